//! GRUB legacy menu.lst and the grub.cfg subset pygrub reads.
