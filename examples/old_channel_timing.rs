use std::time::Instant;
use vmo_interop::zx::{Channel, HandleBased, Vmo, MessageBuf};
fn main() {
    let (a, b) = Channel::create().unwrap();
    let n = 200_000;
    let mut buf = MessageBuf::new();
    let vmo = Vmo::create(4096).unwrap();
    let mut h = Some(vmo.into_handle());
    for round in 0..3 {
        let t = Instant::now();
        for _ in 0..n {
            let mut hs = vec![h.take().unwrap()];
            a.write(&[0u8; 64], &mut hs).unwrap();
            b.read(&mut buf).unwrap();
            let (_, mut hs) = std::mem::take(&mut buf).split(); h = hs.pop();
        }
        println!("round {round}: in-memory channel 64 B + 1 VMO write+read: {:.0} ns", t.elapsed().as_nanos() as f64 / n as f64);
    }
    let t = Instant::now();
    for _ in 0..n { let v = Vmo::create(65536).unwrap(); drop(v); }
    println!("vmo_create+close 64KiB: {:.0} ns", t.elapsed().as_nanos() as f64 / n as f64);
    let v = Vmo::create(4096).unwrap();
    let t = Instant::now();
    for _ in 0..n { let d = v.duplicate_handle(vmo_interop::zx::Rights::SAME_RIGHTS).unwrap(); drop(d); }
    println!("duplicate+close: {:.0} ns", t.elapsed().as_nanos() as f64 / n as f64);
}
