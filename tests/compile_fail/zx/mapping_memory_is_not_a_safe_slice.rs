// A mapping hands out an address, never a safe slice: reading it needs unsafe code.
use vmo_interop::zx::{VmarFlags, Vmo};

fn main() {
    let vmo = Vmo::create(4096).unwrap();
    let mapping = vmo.map(0, 4096, VmarFlags::PERM_READ).unwrap();
    let first: u8 = *mapping.as_ptr();
    let _ = first;
}
