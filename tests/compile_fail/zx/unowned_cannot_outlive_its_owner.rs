// A borrowed handle cannot outlive the handle it borrows.
use vmo_interop::zx::{Unowned, Vmo};

fn main() {
    let borrowed: Unowned<'_, Vmo>;
    {
        let vmo = Vmo::create(4096).unwrap();
        borrowed = Unowned::new(&vmo);
    }
    let _ = borrowed.get_size();
}
