//! Kernel images: ELF64 with Xen notes and bzImage.
