//! Partition tables (MBR with logical partitions, GPT) over a block device.
