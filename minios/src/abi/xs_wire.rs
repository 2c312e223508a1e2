//! The xenstore wire protocol and shared ring (`io/xs_wire.h`).

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// Types of xenstore messages (`enum xsd_sockmsg_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum XsdSockmsgType {
    /// `XS_CONTROL` (also `XS_DEBUG`).
    Control = 0,
    /// `XS_DIRECTORY`: list the children of a node.
    Directory = 1,
    /// `XS_READ`: read a node.
    Read = 2,
    /// `XS_GET_PERMS`: read a node's permissions.
    GetPerms = 3,
    /// `XS_WATCH`: watch a path with a token.
    Watch = 4,
    /// `XS_UNWATCH`: remove a watch.
    Unwatch = 5,
    /// `XS_TRANSACTION_START`.
    TransactionStart = 6,
    /// `XS_TRANSACTION_END` (payload `"T"` to commit, `"F"` to abort).
    TransactionEnd = 7,
    /// `XS_INTRODUCE`: introduce a domain to xenstored.
    Introduce = 8,
    /// `XS_RELEASE`: forget a domain.
    Release = 9,
    /// `XS_GET_DOMAIN_PATH`: `/local/domain/<domid>`.
    GetDomainPath = 10,
    /// `XS_WRITE`: write a node.
    Write = 11,
    /// `XS_MKDIR`: create a node.
    Mkdir = 12,
    /// `XS_RM`: remove a node and its children.
    Rm = 13,
    /// `XS_SET_PERMS`: set a node's permissions.
    SetPerms = 14,
    /// `XS_WATCH_EVENT`: a watch fired (path and token).
    WatchEvent = 15,
    /// `XS_ERROR`: the reply is an errno name.
    Error = 16,
    /// `XS_IS_DOMAIN_INTRODUCED`.
    IsDomainIntroduced = 17,
    /// `XS_RESUME`: a domain resumed.
    Resume = 18,
    /// `XS_SET_TARGET`: let a domain act on another's behalf.
    SetTarget = 19,
    /// `XS_RESET_WATCHES`: drop all watches of the connection.
    ResetWatches = 21,
    /// `XS_DIRECTORY_PART`: list children in chunks.
    DirectoryPart = 22,
    /// `XS_INVALID`.
    Invalid = 0xffff,
}

/// Number of message types, one past the last ordinary one (`XS_TYPE_COUNT`).
pub const XS_TYPE_COUNT: u32 = 23;

/// A message type number that is not an [`XsdSockmsgType`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnknownXsdSockmsgType(pub u32);

impl TryFrom<u32> for XsdSockmsgType {
    type Error = UnknownXsdSockmsgType;

    fn try_from(value: u32) -> Result<Self, UnknownXsdSockmsgType> {
        use XsdSockmsgType::*;
        Ok(match value {
            0 => Control,
            1 => Directory,
            2 => Read,
            3 => GetPerms,
            4 => Watch,
            5 => Unwatch,
            6 => TransactionStart,
            7 => TransactionEnd,
            8 => Introduce,
            9 => Release,
            10 => GetDomainPath,
            11 => Write,
            12 => Mkdir,
            13 => Rm,
            14 => SetPerms,
            15 => WatchEvent,
            16 => Error,
            17 => IsDomainIntroduced,
            18 => Resume,
            19 => SetTarget,
            21 => ResetWatches,
            22 => DirectoryPart,
            0xffff => Invalid,
            other => return Err(UnknownXsdSockmsgType(other)),
        })
    }
}

impl From<XsdSockmsgType> for u32 {
    fn from(t: XsdSockmsgType) -> u32 {
        t as u32
    }
}

/// Old write mode string: no flags (`XS_WRITE_NONE`).
pub const XS_WRITE_NONE: &str = "NONE";
/// Old write mode string: create (`XS_WRITE_CREATE`).
pub const XS_WRITE_CREATE: &str = "CREATE";
/// Old write mode string: create exclusively (`XS_WRITE_CREATE_EXCL`).
pub const XS_WRITE_CREATE_EXCL: &str = "CREATE|EXCL";

/// The errors xenstored reports, as (errno number, errno name) pairs (`xsd_errors[]`).
///
/// An `XS_ERROR` reply carries the name; the numbers are Linux's (and Xen's) errno values.
/// The first entry, `EINVAL`, is the fallback for names not in the table.
pub const XSD_ERRORS: [(i32, &str); 16] = [
    (22, "EINVAL"),
    (13, "EACCES"),
    (17, "EEXIST"),
    (21, "EISDIR"),
    (2, "ENOENT"),
    (12, "ENOMEM"),
    (28, "ENOSPC"),
    (5, "EIO"),
    (39, "ENOTEMPTY"),
    (38, "ENOSYS"),
    (30, "EROFS"),
    (16, "EBUSY"),
    (11, "EAGAIN"),
    (106, "EISCONN"),
    (7, "E2BIG"),
    (1, "EPERM"),
];

/// The errno number of an `XS_ERROR` payload name (without its NUL), if known.
pub fn xsd_errno_from_name(name: &[u8]) -> Option<i32> {
    XSD_ERRORS
        .iter()
        .find(|(_, n)| n.as_bytes() == name)
        .map(|&(e, _)| e)
}

/// The errno name xenstored would send for `errno`, if it is in the table.
pub fn xsd_error_name(errno: i32) -> Option<&'static str> {
    XSD_ERRORS
        .iter()
        .find(|&&(e, _)| e == errno)
        .map(|&(_, n)| n)
}

/// Header of every xenstore message (`struct xsd_sockmsg`); `len` payload bytes follow.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct XsdSockmsg {
    /// Message type, an [`XsdSockmsgType`] number.
    pub r#type: u32,
    /// Request id, echoed in the reply.
    pub req_id: u32,
    /// Transaction id, 0 outside transactions.
    pub tx_id: u32,
    /// Payload length (at most [`XENSTORE_PAYLOAD_MAX`]).
    pub len: u32,
}
const _: () = assert!(size_of::<XsdSockmsg>() == 16);

/// Index of the path in a watch event's payload (`XS_WATCH_PATH`).
pub const XS_WATCH_PATH: usize = 0;
/// Index of the token in a watch event's payload (`XS_WATCH_TOKEN`).
pub const XS_WATCH_TOKEN: usize = 1;

/// Size of each xenstore ring (`XENSTORE_RING_SIZE`).
pub const XENSTORE_RING_SIZE: usize = 1024;

/// A free-running xenstore ring index (`XENSTORE_RING_IDX`).
pub type XenstoreRingIdx = u32;

/// Position in a ring of free-running index `idx` (`MASK_XENSTORE_IDX`).
pub const fn mask_xenstore_idx(idx: XenstoreRingIdx) -> usize {
    idx as usize & (XENSTORE_RING_SIZE - 1)
}

/// Largest message payload (`XENSTORE_PAYLOAD_MAX`).
pub const XENSTORE_PAYLOAD_MAX: usize = 4096;
/// Longest absolute path (`XENSTORE_ABS_PATH_MAX`).
pub const XENSTORE_ABS_PATH_MAX: usize = 3072;
/// Longest relative path (`XENSTORE_REL_PATH_MAX`).
pub const XENSTORE_REL_PATH_MAX: usize = 2048;

/// `server_features`: the server supports reconnection
/// (`XENSTORE_SERVER_FEATURE_RECONNECTION`).
pub const XENSTORE_SERVER_FEATURE_RECONNECTION: u32 = 1;
/// `server_features`: the server reports errors in `error`
/// (`XENSTORE_SERVER_FEATURE_ERROR`).
pub const XENSTORE_SERVER_FEATURE_ERROR: u32 = 2;
/// `connection`: connected (`XENSTORE_CONNECTED`).
pub const XENSTORE_CONNECTED: u32 = 0;
/// `connection`: the guest asks for a reconnection (`XENSTORE_RECONNECT`).
pub const XENSTORE_RECONNECT: u32 = 1;
/// `error`: no error (`XENSTORE_ERROR_NONE`).
pub const XENSTORE_ERROR_NONE: u32 = 0;
/// `error`: communication problem (`XENSTORE_ERROR_COMM`).
pub const XENSTORE_ERROR_COMM: u32 = 1;
/// `error`: invalid ring index (`XENSTORE_ERROR_RINGIDX`).
pub const XENSTORE_ERROR_RINGIDX: u32 = 2;
/// `error`: protocol violation (`XENSTORE_ERROR_PROTO`).
pub const XENSTORE_ERROR_PROTO: u32 = 3;

/// The xenstore page shared with xenstored (`struct xenstore_domain_interface`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct XenstoreDomainInterface {
    /// Requests to xenstored.
    pub req: [u8; XENSTORE_RING_SIZE],
    /// Replies and watch events from xenstored.
    pub rsp: [u8; XENSTORE_RING_SIZE],
    /// Next request byte xenstored will read.
    pub req_cons: XenstoreRingIdx,
    /// Next request byte the guest will write.
    pub req_prod: XenstoreRingIdx,
    /// Next reply byte the guest will read.
    pub rsp_cons: XenstoreRingIdx,
    /// Next reply byte xenstored will write.
    pub rsp_prod: XenstoreRingIdx,
    /// `XENSTORE_SERVER_FEATURE_*` bits.
    pub server_features: u32,
    /// `XENSTORE_CONNECTED` or `XENSTORE_RECONNECT`.
    pub connection: u32,
    /// `XENSTORE_ERROR_*`.
    pub error: u32,
}
const _: () = assert!(size_of::<XenstoreDomainInterface>() == 2076);
