//! The process-wide handle table.
//!
//! A handle value is `generation << 20 | index << 2 | 0b11`: the low two bits are always set
//! (`ZX_HANDLE_FIXED_BITS_MASK`), so no valid value is 0, 1, 2, 4 or 8; the generation makes a
//! stale value miss after its slot is reused. Free slots are reused oldest first, and a slot
//! whose generation would wrap is retired, so a value can never name a later handle.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::object::{KernelHandle, Object};
use fuchsia_zircon_types as sys;

const FIXED_BITS: u32 = 0b11;
const INDEX_BITS: u32 = 18;
const INDEX_SHIFT: u32 = 2;
const GENERATION_SHIFT: u32 = INDEX_SHIFT + INDEX_BITS;
const MAX_SLOTS: usize = 1 << INDEX_BITS;
const MAX_GENERATION: u32 = (1 << (32 - GENERATION_SHIFT)) - 1;

struct Slot {
    generation: u32,
    handle: Option<KernelHandle>,
}

pub(crate) struct Table {
    slots: Vec<Slot>,
    free: VecDeque<u32>,
}

static TABLE: Mutex<Table> = Mutex::new(Table {
    slots: Vec::new(),
    free: VecDeque::new(),
});

/// Locks the handle table. Never held across a blocking wait, and never while dropping a
/// handle (callers move removed handles out and drop them after unlocking).
pub(crate) fn lock() -> MutexGuard<'static, Table> {
    TABLE.lock().unwrap_or_else(PoisonError::into_inner)
}

fn encode(index: u32, generation: u32) -> sys::zx_handle_t {
    generation << GENERATION_SHIFT | index << INDEX_SHIFT | FIXED_BITS
}

/// The slot index a value names, if it is well formed.
fn decode(value: sys::zx_handle_t) -> Option<(usize, u32)> {
    if value & FIXED_BITS != FIXED_BITS {
        return None;
    }
    let index = (value >> INDEX_SHIFT) & ((1 << INDEX_BITS) - 1);
    Some((index as usize, value >> GENERATION_SHIFT))
}

impl Table {
    /// Inserts `handle` and returns its new value; gives the handle back if the table is full.
    pub(crate) fn insert(
        &mut self,
        handle: KernelHandle,
    ) -> Result<sys::zx_handle_t, KernelHandle> {
        let index = match self.free.pop_front() {
            Some(index) => index,
            None if self.slots.len() < MAX_SLOTS => {
                self.slots.push(Slot {
                    generation: 0,
                    handle: None,
                });
                (self.slots.len() - 1) as u32
            }
            None => return Err(handle),
        };
        let slot = &mut self.slots[index as usize];
        slot.handle = Some(handle);
        Ok(encode(index, slot.generation))
    }

    /// The live handle `value` names.
    pub(crate) fn get(&self, value: sys::zx_handle_t) -> Option<&KernelHandle> {
        let (index, generation) = decode(value)?;
        let slot = self.slots.get(index)?;
        if slot.generation != generation {
            return None;
        }
        slot.handle.as_ref()
    }

    /// Removes the handle `value` names; the value is dead from now on.
    pub(crate) fn remove(&mut self, value: sys::zx_handle_t) -> Option<KernelHandle> {
        let (index, generation) = decode(value)?;
        let slot = self.slots.get_mut(index)?;
        if slot.generation != generation {
            return None;
        }
        let handle = slot.handle.take()?;
        if slot.generation < MAX_GENERATION {
            slot.generation += 1;
            self.free.push_back(index as u32);
        }
        Some(handle)
    }

    /// Looks up `value` with the kernel's precedence: `BAD_HANDLE` (not live), then
    /// `WRONG_TYPE` (when `object_type` is given and differs), then `ACCESS_DENIED` (lacks
    /// any of `rights`).
    pub(crate) fn get_checked(
        &self,
        value: sys::zx_handle_t,
        object_type: Option<sys::zx_obj_type_t>,
        rights: sys::zx_rights_t,
    ) -> Result<&KernelHandle, sys::zx_status_t> {
        let handle = self.get(value).ok_or(sys::ZX_ERR_BAD_HANDLE)?;
        if object_type.is_some_and(|ty| ty != handle.object.object_type()) {
            return Err(sys::ZX_ERR_WRONG_TYPE);
        }
        if handle.rights & rights != rights {
            return Err(sys::ZX_ERR_ACCESS_DENIED);
        }
        Ok(handle)
    }

    /// Adds the number of live handles of each object type to `counts` (indexed by
    /// `zx_obj_type_t`).
    pub(crate) fn count_by_type(&self, counts: &mut [u32]) {
        for handle in self.slots.iter().filter_map(|slot| slot.handle.as_ref()) {
            if let Some(count) = counts.get_mut(handle.object.object_type() as usize) {
                *count += 1;
            }
        }
    }

    /// Whether `value` still names a handle to `object` (false once it is closed).
    pub(crate) fn refers_to(&self, value: sys::zx_handle_t, object: &Arc<Object>) -> bool {
        self.get(value)
            .is_some_and(|handle| Arc::ptr_eq(&handle.object, object))
    }
}

/// Looks `value` up as [`Table::get_checked`] does and returns a reference to its object and
/// the handle's rights, with the table unlocked again.
pub(crate) fn object_checked(
    value: sys::zx_handle_t,
    object_type: Option<sys::zx_obj_type_t>,
    rights: sys::zx_rights_t,
) -> Result<(Arc<Object>, sys::zx_rights_t), sys::zx_status_t> {
    let table = lock();
    let handle = table.get_checked(value, object_type, rights)?;
    Ok((Arc::clone(&handle.object), handle.rights))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_have_the_fixed_bits_and_round_trip() {
        for (index, generation) in [(0, 0), (1, 0), (MAX_SLOTS as u32 - 1, MAX_GENERATION)] {
            let value = encode(index, generation);
            assert_eq!(value & 0b11, 0b11);
            assert_ne!(value, 0);
            assert_eq!(decode(value), Some((index as usize, generation)));
        }
        for forged in [0, 1, 2, 4, 8] {
            assert_eq!(decode(forged), None);
        }
    }
}
