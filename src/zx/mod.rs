//! Zircon objects: one safe API over the real kernel (Fuchsia) or the host kernel (elsewhere).
