//! Importing an MTLTexture: a dedicated image, allocation size zero, matching shapes.

use super::*;

#[test]
fn texture_import_valid() {
    let plan = validate_import(&apple_like(), &texture_import()).unwrap();
    assert_eq!(plan.handle_type, MetalHandleType::MtlTexture);
    assert_eq!(plan.allocation.allocation_size, 0);
    assert_eq!(plan.allocation.memory_type_index, 0);
    assert_eq!(plan.allocation.dedicated, Some(image(7)));
}

#[test]
fn texture_import_requires_a_dedicated_image() {
    let cases = [
        None,
        Some(resource(image(7), 16384, 0b011, false)),
        Some(resource(buffer(7), 16384, 0b011, true)),
        Some(resource(image(0), 16384, 0b011, true)),
    ];
    for r in cases {
        let request = ImportRequest {
            resource: r,
            ..texture_import()
        };
        let e = validate_import(&apple_like(), &request).unwrap_err();
        assert_eq!(
            e,
            MetalValidationError::TextureImportNotDedicatedImage,
            "{r:?}"
        );
        assert_eq!(e.vuid(), Some("VUID-VkMemoryAllocateInfo-pNext-10395"));
    }
}

#[test]
fn texture_import_allocation_size_must_be_zero() {
    let request = ImportRequest {
        allocation_size: 16384,
        ..texture_import()
    };
    let e = validate_import(&apple_like(), &request).unwrap_err();
    assert_eq!(
        e,
        MetalValidationError::TextureImportAllocationSizeNotZero {
            allocation_size: 16384
        }
    );
    assert_eq!(e.vuid(), Some("VUID-VkMemoryAllocateInfo-pNext-10397"));
}

#[test]
fn texture_import_shapes_must_match() {
    let mips = ImageShape {
        mip_levels: 7,
        ..shape(64, 64)
    };
    for (img, tex) in [
        (shape(64, 64), shape(64, 32)),
        (shape(32, 64), shape(64, 64)),
        (shape(64, 64), mips),
        (
            shape(64, 64),
            ImageShape {
                array_layers: 6,
                ..shape(64, 64)
            },
        ),
    ] {
        let request = ImportRequest {
            shapes: Some((img, tex)),
            ..texture_import()
        };
        let e = validate_import(&apple_like(), &request).unwrap_err();
        assert_eq!(
            e,
            MetalValidationError::TextureShapeMismatch {
                image: img,
                texture: tex
            }
        );
        assert_eq!(e.vuid(), Some("VUID-VkMemoryAllocateInfo-pNext-10396"));
    }
}

#[test]
fn image_shape_from_create_info() {
    let info = vk::ImageCreateInfo::default()
        .extent(vk::Extent3D {
            width: 640,
            height: 480,
            depth: 1,
        })
        .array_layers(2)
        .mip_levels(3);
    assert_eq!(
        ImageShape::of_image(&info),
        ImageShape {
            width: 640,
            height: 480,
            array_layers: 2,
            mip_levels: 3
        }
    );
}
