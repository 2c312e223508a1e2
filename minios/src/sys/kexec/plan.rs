//! Which of our frames becomes which pfn of the kernel we boot (pure, host-tested).
//!
//! A PV domain cannot get new memory to boot a kernel into: the kernel's pfns must be made of
//! the frames the domain has. Pages that hold the kernel's contents (filled by us, anywhere in
//! our memory) are *fixed*: new pfn `n` gets the frame of our pfn `src`. Every other new pfn
//! gets one of the frames left, chosen so that the new kernel's initial mapping (which maps
//! its pfns `0..mapped_end` writable) never maps one of our current page tables: Xen would
//! refuse to pin the new tables. Those pages are zeroed after the switch ([`Plan::zero`]).

use alloc::vec;
use alloc::vec::Vec;
use core::fmt;

/// What the plan is made from.
pub(crate) struct Request<'a> {
    /// Pages of the domain (ours, and the new kernel's).
    pub nr_pages: usize,
    /// New pfns below this one are mapped by the new kernel's initial mapping.
    pub mapped_end: usize,
    /// `(new pfn, our pfn)`: the page at our pfn holds the new pfn's contents.
    pub fixed: &'a [(usize, usize)],
    /// Our pfns that are page tables now.
    pub our_tables: &'a [usize],
}

/// Where each new pfn's frame comes from.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Plan {
    /// `src[n]`: the pfn (of ours) whose frame becomes new pfn `n`. A permutation.
    pub src: Vec<u32>,
    /// Runs `(first new pfn, count)` inside the initial mapping that are not fixed: they hold
    /// whatever our frames held and must be zeroed once the new tables are in use.
    pub zero: Vec<(usize, usize)>,
}

/// Why no plan exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanError {
    /// A pfn is not below the domain's size.
    PfnOutOfRange {
        /// The pfn.
        pfn: usize,
        /// The domain's size in pages.
        nr_pages: usize,
    },
    /// Two pages were given for one new pfn.
    NewPfnTwice {
        /// The new pfn.
        pfn: usize,
    },
    /// One of our pages was given for two new pfns.
    FrameTwice {
        /// Our pfn.
        pfn: usize,
    },
    /// Our page tables do not fit outside the new kernel's initial mapping.
    NoRoomForTables {
        /// How many of our page tables must move.
        tables: usize,
        /// How many new pfns lie outside the initial mapping and are free.
        room: usize,
    },
    /// The domain has more pages than a plan can name (2^32).
    TooLarge,
}

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::PfnOutOfRange { pfn, nr_pages } => {
                write!(f, "pfn {pfn:#x} is outside the domain's {nr_pages} pages")
            }
            Self::NewPfnTwice { pfn } => write!(f, "the kernel's pfn {pfn:#x} was given twice"),
            Self::FrameTwice { pfn } => write!(f, "our page {pfn:#x} was given twice"),
            Self::NoRoomForTables { tables, room } => write!(
                f,
                "{tables} page tables of ours must move above the kernel's initial mapping, \
                 which leaves room for {room}: give the domain more memory"
            ),
            Self::TooLarge => f.write_str("the domain has more than 2^32 pages"),
        }
    }
}

impl core::error::Error for PlanError {}

/// Plans the frames of a new kernel.
pub(crate) fn plan(req: &Request<'_>) -> Result<Plan, PlanError> {
    let n = req.nr_pages;
    if u32::try_from(n).is_err() {
        return Err(PlanError::TooLarge);
    }
    let check = |pfn: usize| {
        if pfn < n {
            Ok(pfn)
        } else {
            Err(PlanError::PfnOutOfRange { pfn, nr_pages: n })
        }
    };
    const NONE: u32 = u32::MAX;
    let mut src = vec![NONE; n];
    // Our pfns: 0 free, 1 used, 2 a page table not yet placed.
    let mut ours = vec![0u8; n];
    for &(new, old) in req.fixed {
        let (new, old) = (check(new)?, check(old)?);
        if src[new] != NONE {
            return Err(PlanError::NewPfnTwice { pfn: new });
        }
        if ours[old] != 0 {
            return Err(PlanError::FrameTwice { pfn: old });
        }
        src[new] = old as u32;
        ours[old] = 1;
    }
    let mut tables = Vec::new();
    for &t in req.our_tables {
        let t = check(t)?;
        if ours[t] == 0 {
            ours[t] = 2;
            tables.push(t as u32);
        }
    }
    let mapped_end = req.mapped_end.min(n);
    let room = (mapped_end..n).filter(|&p| src[p] == NONE).count();
    if tables.len() > room {
        return Err(PlanError::NoRoomForTables {
            tables: tables.len(),
            room,
        });
    }
    let high: Vec<usize> = (mapped_end..n).filter(|&p| src[p] == NONE).collect();
    for (p, t) in high.into_iter().zip(tables) {
        src[p] = t;
    }
    let mut plain = (0..n).filter(|&p| ours[p] == 0);
    let mut zero: Vec<(usize, usize)> = Vec::new();
    for (p, s) in src.iter_mut().enumerate() {
        if *s != NONE {
            continue;
        }
        // As many plain pages are left as free new pfns: the counts match one for one.
        *s = plain.next().map_or(NONE, |o| o as u32);
        if p < mapped_end {
            match zero.last_mut() {
                Some((first, count)) if *first + *count == p => *count += 1,
                _ => zero.push((p, 1)),
            }
        }
    }
    Ok(Plan { src, zero })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_permutation(src: &[u32]) -> bool {
        let mut seen = vec![false; src.len()];
        src.iter().all(|&s| {
            let s = s as usize;
            s < seen.len() && !core::mem::replace(&mut seen[s], true)
        })
    }

    #[test]
    fn fixed_pages_keep_their_frames_and_tables_go_above_the_mapping() {
        let fixed = [(0, 9), (1, 8), (5, 2)];
        let req = Request {
            nr_pages: 12,
            mapped_end: 6,
            fixed: &fixed,
            our_tables: &[0, 1, 2],
        };
        let plan = plan(&req).unwrap();
        assert!(is_permutation(&plan.src));
        assert_eq!((plan.src[0], plan.src[1], plan.src[5]), (9, 8, 2));
        // 0 and 1 are our tables and not fixed: above the mapping (pfns 6..12).
        for t in [0, 1] {
            let at = plan.src.iter().position(|&s| s == t).unwrap();
            assert!(at >= 6, "table {t} at {at}");
        }
        // 2..5 of the mapping were not fixed: zeroed.
        assert_eq!(plan.zero, vec![(2, 3)]);
    }

    #[test]
    fn bad_requests_are_refused() {
        let req = |fixed: &'static [(usize, usize)], tables: &'static [usize]| Request {
            nr_pages: 4,
            mapped_end: 3,
            fixed,
            our_tables: tables,
        };
        assert_eq!(
            plan(&req(&[(0, 1), (0, 2)], &[])),
            Err(PlanError::NewPfnTwice { pfn: 0 })
        );
        assert_eq!(
            plan(&req(&[(0, 1), (1, 1)], &[])),
            Err(PlanError::FrameTwice { pfn: 1 })
        );
        assert_eq!(
            plan(&req(&[(4, 1)], &[])),
            Err(PlanError::PfnOutOfRange {
                pfn: 4,
                nr_pages: 4
            })
        );
        assert_eq!(
            plan(&req(&[], &[0, 1])),
            Err(PlanError::NoRoomForTables { tables: 2, room: 1 })
        );
    }

    #[test]
    fn every_request_that_fits_gives_a_permutation() {
        for n in 1..24usize {
            for mapped_end in 0..=n {
                let fixed: Vec<(usize, usize)> =
                    (0..n / 3).map(|i| (i * 3 % n, (n - 1 - i) % n)).collect();
                let tables: Vec<usize> = (0..n).step_by(5).collect();
                let req = Request {
                    nr_pages: n,
                    mapped_end,
                    fixed: &fixed,
                    our_tables: &tables,
                };
                let Ok(plan) = plan(&req) else { continue };
                assert!(is_permutation(&plan.src), "n={n} end={mapped_end}");
                for &t in &tables {
                    let at = plan.src.iter().position(|&s| s as usize == t).unwrap();
                    let fixed_here = fixed.iter().any(|&(_, o)| o == t);
                    assert!(fixed_here || at >= mapped_end);
                }
            }
        }
    }
}
