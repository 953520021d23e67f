//! What cannot leave the process on the host.

use super::*;

// ---------------------------------------------------------------------------------------------
// What cannot leave the process on the host
// ---------------------------------------------------------------------------------------------

#[test]
fn events_and_ports_written_into_a_channel_are_not_supported_on_the_host_and_closed() {
    let s = serial();
    let (a, b) = Channel::create().unwrap();
    let event = Event::create().unwrap();
    assert_eq!(
        a.write(b"event", &mut vec![event.into_handle()]),
        Err(Status::NOT_SUPPORTED)
    );
    let port = Port::create().unwrap();
    assert_eq!(
        a.write(
            b"port",
            &mut vec![port.into_handle(), Vmo::create(1).unwrap().into_handle()]
        ),
        Err(Status::NOT_SUPPORTED)
    );
    assert_eq!(
        b.wait_handle(Signals::CHANNEL_READABLE, POLL).to_result(),
        Err(Status::TIMED_OUT)
    );
    drop((a, b));
    s.assert_no_leaks();
}
