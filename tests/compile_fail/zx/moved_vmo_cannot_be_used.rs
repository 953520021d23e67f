// A VMO written into a channel is gone: the write consumed it.
use vmo_interop::zx::{Channel, HandleBased, Vmo};

fn main() {
    let (a, _b) = Channel::create().unwrap();
    let vmo = Vmo::create(4096).unwrap();
    a.write(b"x", &mut vec![vmo.into_handle()]).unwrap();
    let _ = vmo.get_size();
}
