//! Compiles the C part of minios's small libc (libc/*.c) for the guest.
fn main() {
    if let Err(e) = minios_cc::build("minios_c_libc", &["libc/stdio.c", "libc/string.c"]) {
        panic!("minios-c: {e}");
    }
}
