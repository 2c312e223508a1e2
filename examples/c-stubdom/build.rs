//! Compiles the stubdom's C (src/*.c) with Debian's gcc for the guest.
fn main() {
    if let Err(e) = minios_cc::build("c_stubdom", &["src/main.c"]) {
        panic!("c-stubdom: {e}");
    }
}
