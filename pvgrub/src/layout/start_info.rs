//! The start_info page of a 64-bit PV domain (`struct start_info` in Xen's public `xen.h`).

/// Bytes of `struct start_info` on x86_64.
pub const START_INFO_SIZE: usize = 1168;
/// Length of `start_info.cmd_line` (`MAX_GUEST_CMDLINE`), NUL included.
pub const MAX_CMDLINE: usize = 1024;
/// `start_info.magic` of a 64-bit PV guest.
pub const START_INFO_MAGIC: &[u8] = b"xen-3.0-x86_64";

/// Byte offsets of the fields.
const NR_PAGES: usize = 32;
const SHARED_INFO: usize = 40;
const FLAGS: usize = 48;
const STORE_MFN: usize = 56;
const STORE_EVTCHN: usize = 64;
const CONSOLE_MFN: usize = 72;
const CONSOLE_EVTCHN: usize = 80;
const PT_BASE: usize = 88;
const NR_PT_FRAMES: usize = 96;
const MFN_LIST: usize = 104;
const MOD_START: usize = 112;
const MOD_LEN: usize = 120;
const CMD_LINE: usize = 128;
const FIRST_P2M_PFN: usize = 1152;
const NR_P2M_FRAMES: usize = 1160;

/// The start_info fields the layout determines.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StartInfo {
    /// Pages of the domain.
    pub nr_pages: u64,
    /// `SIF_*` flags.
    pub flags: u32,
    /// Virtual address of the L4 table.
    pub pt_base: u64,
    /// Page-table frames of the initial mapping.
    pub nr_pt_frames: u64,
    /// Virtual address of the p2m list.
    pub mfn_list: u64,
    /// Virtual address of the module, or its pfn with `SIF_MOD_START_PFN`; 0 without one.
    pub mod_start: u64,
    /// Length of the module in bytes (whole pages with `SIF_MOD_START_PFN`).
    pub mod_len: u64,
    /// First pfn of the p2m list placed at `INIT_P2M`, else 0.
    pub first_p2m_pfn: u64,
    /// Frames of that p2m list, its page tables included, else 0.
    pub nr_p2m_frames: u64,
}

/// The start_info fields known only when the domain runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StartInfoRuntime {
    /// Machine frame of the shared info page.
    pub shared_info_mfn: u64,
    /// Machine frame of the xenstore ring.
    pub store_mfn: u64,
    /// Event channel of xenstore.
    pub store_evtchn: u32,
    /// Machine frame of the console ring.
    pub console_mfn: u64,
    /// Event channel of the console.
    pub console_evtchn: u32,
}

impl StartInfo {
    /// The bytes of the start_info structure (the rest of its page is zero), as the builder
    /// writes them: `cmdline` is cut at its first NUL and at 1023 bytes.
    pub fn encode(&self, rt: &StartInfoRuntime, cmdline: &[u8]) -> [u8; START_INFO_SIZE] {
        let mut out = [0u8; START_INFO_SIZE];
        put(&mut out, 0, START_INFO_MAGIC);
        put(&mut out, NR_PAGES, &self.nr_pages.to_le_bytes());
        put(
            &mut out,
            SHARED_INFO,
            &(rt.shared_info_mfn << 12).to_le_bytes(),
        );
        put(&mut out, FLAGS, &self.flags.to_le_bytes());
        put(&mut out, STORE_MFN, &rt.store_mfn.to_le_bytes());
        put(&mut out, STORE_EVTCHN, &rt.store_evtchn.to_le_bytes());
        put(&mut out, CONSOLE_MFN, &rt.console_mfn.to_le_bytes());
        put(&mut out, CONSOLE_EVTCHN, &rt.console_evtchn.to_le_bytes());
        put(&mut out, PT_BASE, &self.pt_base.to_le_bytes());
        put(&mut out, NR_PT_FRAMES, &self.nr_pt_frames.to_le_bytes());
        put(&mut out, MFN_LIST, &self.mfn_list.to_le_bytes());
        put(&mut out, MOD_START, &self.mod_start.to_le_bytes());
        put(&mut out, MOD_LEN, &self.mod_len.to_le_bytes());
        let text = cmdline.split(|&b| b == 0).next().unwrap_or_default();
        let text = text.get(..MAX_CMDLINE - 1).unwrap_or(text);
        put(&mut out, CMD_LINE, text);
        put(&mut out, FIRST_P2M_PFN, &self.first_p2m_pfn.to_le_bytes());
        put(&mut out, NR_P2M_FRAMES, &self.nr_p2m_frames.to_le_bytes());
        out
    }
}

/// Copies `bytes` to `out[at..]`, as far as it fits.
fn put(out: &mut [u8], at: usize, bytes: &[u8]) {
    let dst = out.iter_mut().skip(at);
    for (d, s) in dst.zip(bytes) {
        *d = *s;
    }
}
