//! Method ordinals, recomputed from the FIDL names.

use super::*;

// ---------------------------------------------------------------------------------------------
// Ordinals
// ---------------------------------------------------------------------------------------------

/// The selector rule reproduces ordinals published in fidlc's JSON goldens.
#[test]
fn ordinal_rule_matches_fidlc_goldens() {
    // vsrinivas/fuchsia zircon/system/utest/fidl-compiler/json_generator_tests.cc
    // ("generated_ordinal"): a method of a composed protocol keeps its parent's ordinal.
    assert_eq!(
        method_ordinal("fidl.test.json/Parent.First"),
        2566928499103139852
    );
    assert_eq!(
        method_ordinal("fidl.test.json/Child.Second"),
        2628306304378964143
    );
    assert_eq!(
        method_ordinal("fidl.test.json/Example.foo"),
        841977834905137819
    );
    // vsrinivas/fuchsia tools/fidl/fidlc/goldens/inheritance.json.golden: `super.foo`,
    // composed into `sub` with the same ordinal.
    assert_eq!(
        method_ordinal("test.inheritance/super.foo"),
        7540745593380780216
    );
}

/// Every sysmem2 ordinal this crate sends or serves, against the reference table
/// (shared/reference/sysmem2.md §1) and against the rule.
#[test]
fn sysmem2_ordinals_match_reference_table() {
    let reference: &[(&str, u64)] = &[
        (
            "fuchsia.sysmem2/Allocator.AllocateNonSharedCollection",
            0x5ca681f025a80e44,
        ),
        (
            "fuchsia.sysmem2/Allocator.AllocateSharedCollection",
            0x11a19ff51f0b49c1,
        ),
        (
            "fuchsia.sysmem2/Allocator.BindSharedCollection",
            0x550916b0dc1d5b4e,
        ),
        (
            "fuchsia.sysmem2/Allocator.ValidateBufferCollectionToken",
            0x4c5ee91b02a7e68d,
        ),
        (
            "fuchsia.sysmem2/Allocator.SetDebugClientInfo",
            0x6f68f19a3f509c4d,
        ),
        ("fuchsia.sysmem2/Node.Sync", 0x11ac2555cf575b54),
        ("fuchsia.sysmem2/Node.Release", 0x6a5cae7d6d6e04c6),
        ("fuchsia.sysmem2/Node.SetName", 0x0b41f1624f48c1e9),
        (
            "fuchsia.sysmem2/Node.SetDebugClientInfo",
            0x5cde8914608d99b1,
        ),
        (
            "fuchsia.sysmem2/BufferCollectionToken.DuplicateSync",
            0x1c1af9919d1ca45c,
        ),
        (
            "fuchsia.sysmem2/BufferCollectionToken.Duplicate",
            0x73e78f92ee7fb887,
        ),
        (
            "fuchsia.sysmem2/BufferCollection.SetConstraints",
            0x1fde0f19d650197b,
        ),
        (
            "fuchsia.sysmem2/BufferCollection.WaitForAllBuffersAllocated",
            0x062300344b61404e,
        ),
        (
            "fuchsia.sysmem2/BufferCollection.CheckAllBuffersAllocated",
            0x35a5fe77ce939c10,
        ),
    ];
    assert_eq!(ordinals::SELECTORS.len(), reference.len());
    for (&(selector, constant), &(ref_selector, ref_value)) in
        ordinals::SELECTORS.iter().zip(reference)
    {
        assert_eq!(selector, ref_selector);
        assert_eq!(
            constant, ref_value,
            "{selector}: constant differs from the reference"
        );
        assert_eq!(
            method_ordinal(selector),
            ref_value,
            "{selector}: rule differs"
        );
        assert_eq!(ref_value >> 63, 0, "{selector}: bit 63 must be clear");
    }
}
