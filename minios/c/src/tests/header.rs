//! minios.h and the libc headers against ffi.rs: every C function ffi.rs defines is declared
//! with the same C types, every function minios.h declares is defined, and the headers
//! compile (gcc, strict C11) with the struct layouts Rust uses.

use std::collections::BTreeMap;
use std::path::Path;

fn dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The C spelling of a Rust type in an FFI signature.
fn c_type(rust: &str) -> String {
    let rust = rust.trim();
    let (konst, inner) = match (rust.strip_prefix("*const "), rust.strip_prefix("*mut ")) {
        (Some(t), _) => ("const ", Some(t)),
        (_, Some(t)) => ("", Some(t)),
        _ => ("", None),
    };
    if let Some(t) = inner {
        return format!("{konst}{} *", c_type(t));
    }
    match rust {
        "c_char" => "char",
        "c_void" | "" => "void",
        "c_int" => "int",
        "c_uint" => "unsigned int",
        "c_long" => "long",
        "usize" => "size_t",
        "u16" => "uint16_t",
        "u32" => "uint32_t",
        "u64" => "uint64_t",
        "DiskInfo" => "struct minios_disk_info",
        "!" => "_Noreturn void",
        other => panic!("no C type for Rust type {other:?}"),
    }
    .to_string()
}

/// Signatures as "ret (p1, p2)", by function name.
type Sigs = BTreeMap<String, String>;

/// The exports of ffi.rs.
fn rust_exports() -> Sigs {
    let src = std::fs::read_to_string(dir().join("src/ffi.rs")).unwrap();
    let mut sigs = Sigs::new();
    for part in src.split("#[no_mangle]").skip(1) {
        let sig = &part[..part.find('{').unwrap()];
        let sig = sig.split_whitespace().collect::<Vec<_>>().join(" ");
        let rest = sig.split("extern \"C\" fn ").nth(1).unwrap();
        let (name, rest) = rest.split_once('(').unwrap();
        let (params, ret) = rest.rsplit_once(')').unwrap();
        let params: Vec<String> = params
            .split(',')
            .filter(|p| !p.trim().is_empty())
            .map(|p| c_type(p.split_once(':').unwrap().1))
            .collect();
        let ret = c_type(ret.trim().trim_start_matches("->"));
        sigs.insert(name.to_string(), format!("{ret} ({})", params.join(", ")));
    }
    sigs
}

/// The C type of one declarator part, without the parameter's name.
fn strip_name(decl: &str) -> String {
    let decl = decl.trim().replace('*', " * ");
    let mut words: Vec<&str> = decl.split_whitespace().collect();
    let is_type_word = |w: &str| {
        matches!(
            w,
            "const" | "char" | "void" | "int" | "unsigned" | "long" | "struct" | "*"
        ) || w.ends_with("_t")
            || w == "minios_disk_info"
    };
    if words.len() > 1 && !is_type_word(words[words.len() - 1]) {
        words.pop();
    }
    words.join(" ")
}

/// The prototypes in a header, in the same form.
fn header_decls(name: &str) -> Sigs {
    let text = std::fs::read_to_string(dir().join("include").join(name)).unwrap();
    let mut code = String::new();
    let mut rest = text.as_str();
    while let Some(at) = rest.find("/*") {
        code.push_str(&rest[..at]);
        rest = &rest[at + rest[at..].find("*/").unwrap() + 2..];
    }
    code.push_str(rest);
    let mut sigs = Sigs::new();
    for stmt in code.split(';') {
        let stmt = stmt
            .lines()
            .filter(|l| !l.trim_start().starts_with('#'))
            .collect::<Vec<_>>();
        let stmt = stmt.join(" ");
        let stmt = stmt
            .split("__attribute__")
            .next()
            .unwrap()
            .trim()
            .to_string();
        let Some((head, params)) = stmt.split_once('(') else {
            continue;
        };
        if head.contains('{') || head.contains('}') || stmt.starts_with("struct") {
            continue;
        }
        let head = head.replace('*', " * ");
        let mut words: Vec<&str> = head.split_whitespace().collect();
        let fname = words.pop().unwrap().to_string();
        let ret = words.join(" ");
        let params = params.rsplit_once(')').unwrap().0;
        let params: Vec<String> = if params.trim() == "void" {
            Vec::new()
        } else {
            params.split(',').map(strip_name).collect()
        };
        sigs.insert(fname, format!("{ret} ({})", params.join(", ")));
    }
    sigs
}

#[test]
fn every_export_is_declared_alike_and_minios_h_is_all_defined() {
    let rust = rust_exports();
    let mut c = Sigs::new();
    for h in ["minios.h", "stdlib.h", "unistd.h"] {
        c.extend(header_decls(h));
    }
    assert!(rust.len() > 25, "parsed only {} exports", rust.len());
    for (name, sig) in &rust {
        assert_eq!(
            c.get(name),
            Some(sig),
            "{name}: ffi.rs and the headers disagree"
        );
    }
    for name in header_decls("minios.h").keys() {
        assert!(
            rust.contains_key(name),
            "minios.h declares {name}, ffi.rs does not define it"
        );
    }
}

#[test]
fn headers_compile_strictly_with_rusts_layouts() {
    let probe = std::env::temp_dir().join(format!("minios-h-{}.c", std::process::id()));
    std::fs::write(
        &probe,
        "#include <minios.h>\n#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n\
         #include <ctype.h>\n#include <unistd.h>\n\
         _Static_assert(sizeof(struct minios_disk_info) == 16, \"size\");\n\
         _Static_assert(offsetof(struct minios_disk_info, sector_size) == 8, \"offset\");\n\
         _Static_assert(offsetof(struct minios_disk_info, read_only) == 12, \"offset\");\n\
         _Static_assert(MINIOS_SHUTDOWN_POWEROFF == 0 && MINIOS_SHUTDOWN_REBOOT == 1 \
         && MINIOS_SHUTDOWN_CRASH == 3, \"reasons\");\n\
         int main(int argc, char **argv) { (void)argc; (void)argv; return 0; }\n",
    )
    .unwrap();
    let mut cmd = minios_cc::command(&probe, Path::new("/dev/null")).unwrap();
    cmd.args(["-fsyntax-only", "-std=c11", "-pedantic", "-Werror"]);
    let out = cmd.output().unwrap();
    let _ = std::fs::remove_file(&probe);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn guest_flags_keep_the_abi() {
    for f in [
        "-mno-red-zone",
        "-mgeneral-regs-only",
        "-fno-pic",
        "-ffreestanding",
        "-nostdinc",
    ] {
        assert!(minios_cc::CFLAGS.contains(&f), "{f}");
    }
}
