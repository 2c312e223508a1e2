//! Read-only filesystems (ext2/3/4, FAT, iso9660) over a block device.
