//! Ports, events, event pairs and async waits, through the safe `zx` API, one test per rule of
//! the syscall reference (`zx_port_*`, `zx_object_wait_async`, `zx_object_signal*`,
//! `zx_event*_create`), so the suite runs unchanged against the real kernel.

#[path = "zx_common/mod.rs"]
mod zx_common;

#[path = "zx_port/event_waits.rs"]
mod event_waits;
#[path = "zx_port/local_only.rs"]
mod local_only;
#[path = "zx_port/ports.rs"]
mod ports;
#[path = "zx_port/signal.rs"]
mod signal;
#[path = "zx_port/wait_async.rs"]
mod wait_async;

use std::thread;
use std::time::Duration;

use vmo_interop::zx::{
    self, AsHandleRef, Channel, Event, EventPair, HandleBased, MonotonicInstant, ObjectType,
    Packet, PacketContents, Peered, Port, Rights, Signals, Status, Vmo, WaitAsyncOpts,
};
use zx_common::{serial, until_a_waiter_blocks};

const POLL: MonotonicInstant = MonotonicInstant::INFINITE_PAST;

fn soon() -> MonotonicInstant {
    MonotonicInstant::after(Duration::from_millis(50))
}

fn signal_packet(packet: &Packet) -> zx::SignalPacket {
    match packet.contents() {
        PacketContents::SignalOne(signal) => signal,
        other => panic!("expected a signal packet, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Creation and rights
// ---------------------------------------------------------------------------------------------

#[test]
fn objects_are_created_with_the_default_rights_of_rights_h() {
    let s = serial();
    let port = Port::create().unwrap();
    let event = Event::create().unwrap();
    let (a, b) = EventPair::create().unwrap();
    let port_info = port.basic_info().unwrap();
    assert_eq!(port_info.object_type, ObjectType::PORT);
    // ZX_DEFAULT_PORT_RIGHTS: BASIC without WAIT, plus READ and WRITE.
    assert_eq!(port_info.rights.bits(), 0x800F);
    let event_info = event.basic_info().unwrap();
    assert_eq!(event_info.object_type, ObjectType::EVENT);
    assert_eq!(event_info.rights.bits(), 0xD003, "ZX_DEFAULT_EVENT_RIGHTS");
    let (a_info, b_info) = (a.basic_info().unwrap(), b.basic_info().unwrap());
    assert_eq!(a_info.object_type, ObjectType::EVENTPAIR);
    assert_eq!(a_info.rights.bits(), 0xF003, "ZX_DEFAULT_EVENTPAIR_RIGHTS");
    assert_eq!(a_info.related_koid, b_info.koid);
    assert_eq!(b_info.related_koid, a_info.koid);
    assert!(a_info.koid.raw_koid() >= 1024 && b_info.koid.raw_koid() >= 1024);
    drop((port, event, a, b));
    s.assert_no_leaks();
}
