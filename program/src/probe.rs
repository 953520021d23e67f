//! `vmo-interop probe`: what works on each Vulkan device, and a live self-test.
//!
//! This is the tool a driver engineer runs first on a new board: how VK_FUCHSIA_external_memory
//! is provided, which memory types a VMO can be imported into or exported from, what the
//! external buffer/image capability queries answer, and whether export, rights narrowing,
//! cross-device import, a GPU write and the read-back through the VMO actually work.

use crate::vk_error::VkError;
use anyhow::{anyhow, ensure, Context as _, Result};
use ash::vk;
use serde_json::{json, Value};
use vmo_interop::ash_debug::dbg;
use vmo_interop::vk::{AllocationInfo, ImageFormatQuery, Interop, Resource};
use vmo_interop::zx::{self, AsHandleRef, Rights};

use crate::gpu::{transfer_to_host_barrier, Device, Instance, PhysicalDevice};
use crate::report::flags_string;
use crate::Outcome;

const SELF_TEST_SIZE: u64 = 64 * 1024;
const PATTERN: u32 = 0x5eed_f00d;
/// Memory the host reads after the GPU wrote it, without `vkInvalidateMappedMemoryRanges`.
const HOST_COHERENT_MEMORY: vk::MemoryPropertyFlags = vk::MemoryPropertyFlags::from_raw(
    vk::MemoryPropertyFlags::HOST_VISIBLE.as_raw()
        | vk::MemoryPropertyFlags::HOST_COHERENT.as_raw(),
);

/// One line of the self-test.
struct Check {
    name: &'static str,
    result: Result<String>,
}

pub fn run(json: bool, only: Option<usize>) -> Result<Outcome> {
    let instance = Instance::new(true)?;
    let indices: Vec<usize> = match only {
        Some(index) => {
            instance.physical_device(index)?;
            vec![index]
        }
        None => (0..instance.physical_devices.len()).collect(),
    };
    let mut all_pass = true;
    let mut documents = Vec::new();
    for index in indices {
        let physical = instance.physical_device(index)?;
        let report = probe_device(&instance, physical);
        all_pass &= report.pass;
        if json {
            documents.push(report.json(index, physical));
        } else {
            report.print(index, physical);
        }
    }
    if json {
        let document = json!({
            "validation_layer": instance.validation,
            "validation_messages": instance.validation_messages(),
            "devices": documents,
        });
        println!("{}", serde_json::to_string_pretty(&document)?);
    } else if instance.validation {
        println!(
            "validation layer: on, {} message(s)",
            instance.validation_messages()
        );
        for line in instance.messages.first() {
            println!("  {line}");
        }
    } else {
        println!(
            "validation layer: not installed (Debian: apt-get install vulkan-validationlayers)"
        );
    }
    let clean = instance.validation_messages() == 0;
    Ok(if all_pass && clean {
        Outcome::Pass
    } else {
        Outcome::Fail
    })
}

/// How the device provides VK_FUCHSIA_external_memory.
fn provider(physical: &PhysicalDevice) -> &'static str {
    if !physical.supports(ash::fuchsia::external_memory::NAME) {
        if cfg!(target_os = "fuchsia") {
            "unavailable (the driver lacks VK_FUCHSIA_external_memory)"
        } else {
            "unavailable (the host layer offers it only over the driver's \
             VK_EXT_external_memory_host, with Vulkan 1.1 and a minImportedHostPointerAlignment \
             that divides the page)"
        }
    } else if cfg!(target_os = "fuchsia") {
        "native (the driver's VK_FUCHSIA_external_memory)"
    } else {
        "host Vulkan layer (host/vulkan, over the driver's VK_EXT_external_memory_host)"
    }
}

struct MemoryTypeReport {
    flags: vk::MemoryPropertyFlags,
    heap: u32,
    import: bool,
    export: Result<(), String>,
}

struct DeviceReport {
    setup: Result<()>,
    memory_types: Vec<MemoryTypeReport>,
    buffer: Option<vk::ExternalMemoryProperties>,
    image: Option<Result<vk::ExternalMemoryProperties, String>>,
    checks: Vec<Check>,
    pass: bool,
}

fn probe_device(instance: &Instance, physical: &PhysicalDevice) -> DeviceReport {
    let mut report = DeviceReport {
        setup: Ok(()),
        memory_types: Vec::new(),
        buffer: None,
        image: None,
        checks: Vec::new(),
        pass: false,
    };
    let device = match Device::new(instance, physical) {
        Ok(device) => device,
        Err(error) => {
            report.setup = Err(error);
            return report;
        }
    };
    let interop = device.interop();
    let import_bits = interop.exportable_memory_type_bits();
    let properties = &physical.memory_properties;
    for index in 0..properties.memory_type_count {
        let memory_type = properties.memory_types[index as usize];
        let export = interop
            .allocate_exportable_memory(
                &AllocationInfo::new()
                    .allocation_size(4096)
                    .memory_type_index(index),
            )
            .map(drop)
            .map_err(|e| e.to_string());
        report.memory_types.push(MemoryTypeReport {
            flags: memory_type.property_flags,
            heap: memory_type.heap_index,
            import: import_bits & (1 << index) != 0,
            export,
        });
    }
    report.buffer = Some(interop.get_physical_device_external_buffer_properties(
        vk::BufferCreateFlags::empty(),
        vk::BufferUsageFlags::TRANSFER_SRC
            | vk::BufferUsageFlags::TRANSFER_DST
            | vk::BufferUsageFlags::STORAGE_BUFFER,
    ));
    report.image = Some(
        interop
            .get_physical_device_image_format_properties2(&ImageFormatQuery {
                format: vk::Format::R8G8B8A8_UNORM,
                image_type: vk::ImageType::TYPE_2D,
                tiling: vk::ImageTiling::LINEAR,
                usage: vk::ImageUsageFlags::TRANSFER_DST,
                flags: vk::ImageCreateFlags::empty(),
            })
            .map(|p| p.external_memory_properties)
            .map_err(|e| e.to_string()),
    );
    report.checks = self_test(instance, &device);
    report.pass = report.checks.iter().all(|c| c.result.is_ok());
    report
}

/// The live self-test; every check runs, each with its own PASS/FAIL.
fn self_test(instance: &Instance, device: &Device<'_>) -> Vec<Check> {
    let interop = device.interop();
    let mut checks = Vec::new();
    let exporter = (|| {
        let buffer = transfer_buffer(interop, SELF_TEST_SIZE)?;
        let memory = interop.allocate_exportable_memory(
            &AllocationInfo::new()
                // The host reads what the GPU writes through the VMO, which cannot be
                // invalidated like a Vulkan mapping: the memory must be coherent.
                .memory_properties(HOST_COHERENT_MEMORY, vk::MemoryPropertyFlags::empty())
                .resource(Resource::Buffer(&buffer)),
        )?;
        // SAFETY: both are live objects of this device; the type came from the buffer's bits.
        unsafe {
            interop
                .device()
                .bind_buffer_memory(buffer.as_raw(), memory.as_raw(), 0)
        }
        .map_err(VkError)?;
        anyhow::Ok((buffer, memory))
    })();
    let (buffer, memory) = match exporter {
        Ok(pair) => pair,
        Err(error) => {
            checks.push(Check {
                name: "allocate exportable memory",
                result: Err(error),
            });
            return checks;
        }
    };

    checks.push(Check {
        name: "export (SAME_RIGHTS), twice: new handles, one koid",
        result: (|| {
            let a = interop.get_memory_zircon_handle(&memory, Rights::SAME_RIGHTS)?;
            let b = interop.get_memory_zircon_handle(&memory, Rights::SAME_RIGHTS)?;
            let (ia, ib) = (a.basic_info()?, b.basic_info()?);
            ensure!(
                a.raw_handle() != b.raw_handle(),
                "both exports returned one handle value"
            );
            ensure!(
                ia.koid == ib.koid,
                "koids differ: {} vs {}",
                ia.koid,
                ib.koid
            );
            Ok(format!("koid {}, rights {:?}", ia.koid, ia.rights))
        })(),
    });

    let narrowed = Rights::READ | Rights::MAP | Rights::TRANSFER;
    checks.push(Check {
        name: "export with narrowed rights (READ|MAP|TRANSFER)",
        result: (|| {
            let vmo = interop.get_memory_zircon_handle(&memory, narrowed)?;
            let rights = vmo.basic_info()?.rights;
            ensure!(rights == narrowed, "got {rights:?}");
            let write = vmo.write(&[1], 0);
            ensure!(
                write == Err(zx::Status::ACCESS_DENIED),
                "a write through the read-only handle gave {write:?}, not ACCESS_DENIED"
            );
            Ok(format!(
                "rights exactly {rights:?}; write refused with ACCESS_DENIED"
            ))
        })(),
    });

    checks.push(Check {
        name: "GPU write (vkCmdFillBuffer), read back through the VMO",
        result: (|| {
            device.submit(|d, cmd| {
                // SAFETY: the buffer is live, TRANSFER_DST and bound to memory.
                unsafe { d.cmd_fill_buffer(cmd, buffer.as_raw(), 0, vk::WHOLE_SIZE, PATTERN) };
                transfer_to_host_barrier(d, cmd);
            })?;
            let vmo = interop.get_memory_zircon_handle(&memory, Rights::SAME_RIGHTS)?;
            let mut bytes = vec![0u8; SELF_TEST_SIZE as usize];
            vmo.read(&mut bytes, 0)?;
            verify_pattern(&bytes)?;
            Ok(format!("{SELF_TEST_SIZE} bytes of {PATTERN:#010x}"))
        })(),
    });

    checks.push(Check {
        name: "import on a second VkDevice; it sees the GPU's bytes",
        result: (|| {
            let second = Device::new(instance, device.physical)?;
            let result = (|| {
                let peer = second.interop();
                let vmo = interop.get_memory_zircon_handle(&memory, Rights::SAME_RIGHTS)?;
                let koid = vmo.get_koid()?;
                let bits = peer.get_memory_zircon_handle_properties(&vmo)?;
                let imported = peer
                    .import_memory(
                        vmo,
                        &AllocationInfo::new().memory_properties(
                            HOST_COHERENT_MEMORY,
                            vk::MemoryPropertyFlags::empty(),
                        ),
                    )
                    .map_err(|e| anyhow!("{e}"))?;
                let bytes = read_memory(peer, &imported)?;
                verify_pattern(&bytes)?;
                Ok(format!(
                    "koid {koid}, memoryTypeBits {bits:#b}, type {}",
                    imported.memory_type_index()
                ))
            })();
            drop(second);
            result
        })(),
    });
    drop(memory);
    drop(buffer);
    checks
}

fn transfer_buffer(interop: &Interop, size: u64) -> Result<vmo_interop::vk::Buffer> {
    let info = vk::BufferCreateInfo::default()
        .size(size)
        .usage(vk::BufferUsageFlags::TRANSFER_SRC | vk::BufferUsageFlags::TRANSFER_DST)
        .sharing_mode(vk::SharingMode::EXCLUSIVE);
    // SAFETY: a valid create info with no chained structures.
    unsafe { interop.create_buffer(&info) }.context("creating a transfer buffer")
}

/// Maps host-coherent memory and copies it out.
fn read_memory(interop: &Interop, memory: &vmo_interop::vk::Memory) -> Result<Vec<u8>> {
    let size = memory.allocation_size();
    let len = usize::try_from(size)?;
    // SAFETY: the memory is host-visible (asked for at import), live and not mapped elsewhere;
    // the copy stays inside the mapped range and the mapping is released before returning.
    unsafe {
        let ptr = interop
            .device()
            .map_memory(memory.as_raw(), 0, size, vk::MemoryMapFlags::empty())
            .map_err(VkError)
            .context("vkMapMemory")?;
        let bytes = std::slice::from_raw_parts(ptr as *const u8, len).to_vec();
        interop.device().unmap_memory(memory.as_raw());
        Ok(bytes)
    }
}

fn verify_pattern(bytes: &[u8]) -> Result<()> {
    let expected = PATTERN.to_le_bytes();
    match bytes
        .chunks_exact(4)
        .position(|word| word != expected.as_slice())
    {
        None => Ok(()),
        Some(i) => Err(anyhow!(
            "byte {} holds {:02x?}, expected {:02x?}",
            i * 4,
            &bytes[i * 4..i * 4 + 4],
            expected
        )),
    }
}

fn external_string(p: &vk::ExternalMemoryProperties) -> String {
    format!(
        "features {}; compatible {}; exportFromImported {}",
        dbg(p.external_memory_features),
        dbg(p.compatible_handle_types),
        dbg(p.export_from_imported_handle_types)
    )
}

fn external_json(p: &vk::ExternalMemoryProperties) -> Value {
    json!({
        "features": dbg(p.external_memory_features).to_string(),
        "compatible_handle_types": dbg(p.compatible_handle_types).to_string(),
        "export_from_imported_handle_types": dbg(p.export_from_imported_handle_types).to_string(),
    })
}

impl DeviceReport {
    fn print(&self, index: usize, physical: &PhysicalDevice) {
        println!(
            "device {index}: {} ({}, Vulkan {})",
            physical.name,
            dbg(physical.device_type),
            physical.api_version_string()
        );
        println!("  VK_FUCHSIA_external_memory: {}", provider(physical));
        #[cfg(target_os = "linux")]
        println!(
            "  host layer mappings: one per VMO, shared by its imports; huge pages: {}",
            match vmo_interop::platform::host::huge_page_mode() {
                Some(mode) =>
                    format!("shmem THP '{mode}', MADV_HUGEPAGE on mappings of 2 MiB or more"),
                None => "none offered (4 KiB pages)".to_string(),
            }
        );
        if let Err(error) = &self.setup {
            println!("  FAIL setup: {error:#}");
            return;
        }
        println!(
            "  memory types (import: VMO memoryTypeBits; export: a 4 KiB exportable allocation):"
        );
        for (i, t) in self.memory_types.iter().enumerate() {
            println!(
                "    {i}: heap {} {:<48} import {:<3} export {}",
                t.heap,
                flags_string(t.flags),
                if t.import { "yes" } else { "no" },
                match &t.export {
                    Ok(()) => "yes".to_string(),
                    Err(reason) => format!("no ({reason})"),
                }
            );
        }
        if let Some(buffer) = &self.buffer {
            println!(
                "  external buffer (storage, transfer): {}",
                external_string(buffer)
            );
        }
        match &self.image {
            Some(Ok(image)) => println!(
                "  external image (R8G8B8A8 linear, transfer dst): {}",
                external_string(image)
            ),
            Some(Err(reason)) => println!("  external image: unsupported ({reason})"),
            None => {}
        }
        println!("  self-test:");
        for check in &self.checks {
            match &check.result {
                Ok(detail) => println!("    PASS {}: {detail}", check.name),
                Err(error) => println!("    FAIL {}: {error:#}", check.name),
            }
        }
    }

    fn json(&self, index: usize, physical: &PhysicalDevice) -> Value {
        json!({
            "index": index,
            "name": physical.name,
            "device_type": dbg(physical.device_type).to_string(),
            "api_version": physical.api_version_string(),
            "fuchsia_external_memory": provider(physical),
            "setup_error": self.setup.as_ref().err().map(|e| format!("{e:#}")),
            "memory_types": self.memory_types.iter().enumerate().map(|(i, t)| json!({
                "index": i,
                "heap": t.heap,
                "flags": flags_string(t.flags),
                "import": t.import,
                "export": t.export.is_ok(),
                "export_error": t.export.as_ref().err(),
            })).collect::<Vec<_>>(),
            "external_buffer": self.buffer.as_ref().map(external_json),
            "external_image": self.image.as_ref().map(|r| match r {
                Ok(p) => external_json(p),
                Err(reason) => json!({ "unsupported": reason }),
            }),
            "self_test": self.checks.iter().map(|c| json!({
                "name": c.name,
                "pass": c.result.is_ok(),
                "detail": match &c.result { Ok(d) => d.clone(), Err(e) => format!("{e:#}") },
            })).collect::<Vec<_>>(),
            "pass": self.pass,
        })
    }
}
