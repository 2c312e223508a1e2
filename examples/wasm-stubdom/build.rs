//! Compiles the built-in sample module (modules/hello.wat) to WebAssembly for the image.
fn main() {
    let src = "modules/hello.wat";
    println!("cargo::rerun-if-changed={src}");
    let wasm = wat::parse_file(src).unwrap_or_else(|e| panic!("{src}: {e}"));
    let out = std::path::Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"))
        .join("hello.wasm");
    std::fs::write(&out, wasm).unwrap_or_else(|e| panic!("{}: {e}", out.display()));
}
