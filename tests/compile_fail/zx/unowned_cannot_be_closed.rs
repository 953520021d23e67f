// A borrowed handle cannot be turned into an owner (which would close the lender's value).
use vmo_interop::zx::{Unowned, Vmo};

fn main() {
    let vmo = Vmo::create(4096).unwrap();
    let borrowed: Unowned<'_, Vmo> = Unowned::new(&vmo);
    let owned: Vmo = *borrowed;
    drop(owned);
}
