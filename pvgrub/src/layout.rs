//! The PV domain layout a loaded kernel expects, as Xen's domain builder makes it.
