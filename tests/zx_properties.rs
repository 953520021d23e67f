//! Model-based property test of the host kernel's handle table: under any sequence of
//! create / duplicate / replace / close / transfer, every live value reports the koid and
//! rights the model expects, every dead value reads as `BAD_HANDLE` (never as another object),
//! and the live counts match the model.
#![cfg(not(target_os = "fuchsia"))]

mod zx_common;

use proptest::prelude::*;
use vmo_interop::zx::{sys, AsHandleRef, Channel, Handle, HandleBased, MessageBuf, Rights, Vmo};
use zx_common::{basic_info, serial};

#[derive(Debug, Clone)]
enum Op {
    CreateVmo,
    Duplicate {
        index: usize,
        rights: u32,
    },
    Replace {
        index: usize,
        rights: u32,
    },
    Close {
        index: usize,
    },
    /// Sends the handle through a channel and reads it back under a new value.
    Transfer {
        index: usize,
    },
}

fn op() -> impl Strategy<Value = Op> {
    // Rights drawn from the VMO default set plus EXECUTE (never held) and the sentinel.
    let rights = prop_oneof![
        Just(sys::ZX_RIGHT_SAME_RIGHTS),
        (0u32..=0xFFFF)
            .prop_map(|bits| bits & (Rights::VMO_DEFAULT.bits() | sys::ZX_RIGHT_EXECUTE)),
    ];
    prop_oneof![
        Just(Op::CreateVmo),
        (any::<usize>(), rights.clone())
            .prop_map(|(index, rights)| Op::Duplicate { index, rights }),
        (any::<usize>(), rights).prop_map(|(index, rights)| Op::Replace { index, rights }),
        any::<usize>().prop_map(|index| Op::Close { index }),
        any::<usize>().prop_map(|index| Op::Transfer { index }),
    ]
}

struct Live {
    handle: Handle,
    koid: u64,
    rights: u32,
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn the_handle_table_matches_the_model(ops in proptest::collection::vec(op(), 1..60)) {
        let s = serial();
        let (tx, rx) = Channel::create().unwrap();
        let mut live: Vec<Live> = Vec::new();
        let mut dead: Vec<u32> = Vec::new();
        for op in ops {
            let pick = |index: usize, live: &Vec<Live>| (!live.is_empty()).then(|| index % live.len());
            match op {
                Op::CreateVmo => {
                    let vmo = Vmo::create(1).unwrap();
                    let koid = vmo.get_koid().unwrap().raw_koid();
                    live.push(Live { handle: vmo.into_handle(), koid, rights: Rights::VMO_DEFAULT.bits() });
                }
                Op::Duplicate { index, rights } => {
                    let Some(i) = pick(index, &live) else { continue };
                    let source = &live[i];
                    let result = source.handle.duplicate_handle(Rights::from_bits_retain(rights));
                    if source.rights & sys::ZX_RIGHT_DUPLICATE == 0 {
                        prop_assert_eq!(result.unwrap_err().into_raw(), sys::ZX_ERR_ACCESS_DENIED);
                    } else if rights == sys::ZX_RIGHT_SAME_RIGHTS || rights & !source.rights == 0 {
                        let expected = if rights == sys::ZX_RIGHT_SAME_RIGHTS { source.rights } else { rights };
                        let koid = source.koid;
                        live.push(Live { handle: result.unwrap(), koid, rights: expected });
                    } else {
                        prop_assert_eq!(result.unwrap_err().into_raw(), sys::ZX_ERR_INVALID_ARGS);
                    }
                }
                Op::Replace { index, rights } => {
                    let Some(i) = pick(index, &live) else { continue };
                    let source = live.swap_remove(i);
                    dead.push(source.handle.raw_handle());
                    let result = source.handle.replace_handle(Rights::from_bits_retain(rights));
                    if rights == sys::ZX_RIGHT_SAME_RIGHTS || rights & !source.rights == 0 {
                        let expected = if rights == sys::ZX_RIGHT_SAME_RIGHTS { source.rights } else { rights };
                        live.push(Live { handle: result.unwrap(), koid: source.koid, rights: expected });
                    } else {
                        prop_assert_eq!(result.unwrap_err().into_raw(), sys::ZX_ERR_INVALID_ARGS);
                    }
                }
                Op::Close { index } => {
                    let Some(i) = pick(index, &live) else { continue };
                    let gone = live.swap_remove(i);
                    dead.push(gone.handle.raw_handle());
                }
                Op::Transfer { index } => {
                    let Some(i) = pick(index, &live) else { continue };
                    let sent = live.swap_remove(i);
                    dead.push(sent.handle.raw_handle());
                    let result = tx.write(b"h", &mut vec![sent.handle]);
                    if sent.rights & sys::ZX_RIGHT_TRANSFER == 0 {
                        prop_assert_eq!(result.unwrap_err().into_raw(), sys::ZX_ERR_ACCESS_DENIED);
                    } else {
                        result.unwrap();
                        let mut buf = MessageBuf::new();
                        rx.read(&mut buf).unwrap();
                        let handle = buf.handles.pop().unwrap();
                        live.push(Live { handle, koid: sent.koid, rights: sent.rights });
                    }
                }
            }
            for entry in &live {
                let info = basic_info(entry.handle.raw_handle()).unwrap();
                prop_assert_eq!((info.koid, info.rights), (entry.koid, entry.rights));
            }
            for &value in &dead {
                prop_assert_eq!(basic_info(value).unwrap_err(), sys::ZX_ERR_BAD_HANDLE);
            }
            let koids: std::collections::BTreeSet<u64> = live.iter().map(|l| l.koid).collect();
            prop_assert_eq!(s.live_delta(), (live.len() as i64 + 2, koids.len() as i64, 2, 0));
        }
        drop((live, tx, rx));
        s.assert_no_leaks();
    }
}
