//! Ownership rules the compiler enforces, pinned by compile-fail tests with committed
//! `.stderr` files (`TRYBUILD=overwrite cargo test --test compile_fail` regenerates them
//! after a compiler change; read the diff).

#[test]
fn zx_ownership_rules() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/compile_fail/zx/*.rs");
}

#[test]
fn vk_ownership_rules() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/compile_fail/vk/*.rs");
}

#[test]
fn metal_ownership_rules() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/compile_fail/metal/*.rs");
}
