/*
 * Runs Xen's own domain builder (Debian's libxenguest 4.17) on the host, the way C pv-grub
 * ran it inside its domain (stubdom/grub/kexec.c), and prints the layout it makes: every
 * segment and page, every non-zero page-table entry and the start_info page. The test
 * pvgrub/tests/layout_peer.rs compares pvgrub::layout with it.
 *
 *   peer KERNEL MODULE|- NR_PAGES CMDLINE
 *
 * No hypervisor is needed: with guest_domid 0 libxenguest backs guest pages with anonymous
 * memory, and the only call that would reach Xen (clearing the xenstore and console pages)
 * is replaced below. The pfn-to-mfn table is the identity, so page-table entries and
 * start_info hold pfns where a domain would see mfns.
 *
 * Build: cc -o peer peer.c -lxenguest -lxentoollog   (Debian package libxen-dev)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <inttypes.h>

#include <xenctrl.h>
#include <xenguest.h>
#include <xentoollog.h>

/* The start of libxenctrl's private struct xc_interface_core (tools/libs/ctrl/xc_private.h
 * in Xen 4.17): libxenguest only reads the two loggers. */
struct xc_interface_prefix {
    int flags;
    xentoollog_logger *error_handler, *error_handler_tofree;
    xentoollog_logger *dombuild_logger, *dombuild_logger_tofree;
};

/* Replaces libxenctrl's, which would map the page through the hypervisor. */
int xc_clear_domain_pages(xc_interface *xch, uint32_t domid, unsigned long dst_pfn, int num)
{
    (void)xch; (void)domid; (void)dst_pfn; (void)num;
    return 0;
}

static void *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t cap = 0, n = 0, got;

    if (!f) { perror(path); exit(2); }
    do {
        if (n == cap) {
            cap = cap ? cap * 2 : 1 << 20;
            buf = realloc(buf, cap);
            if (!buf) { perror("realloc"); exit(2); }
        }
        got = fread(buf + n, 1, cap - n, f);
        n += got;
    } while (got);
    fclose(f);
    *len = n;
    return buf;
}

static void seg(const char *name, const struct xc_dom_seg *s)
{
    printf("%s %#" PRIx64 " %#" PRIx64 " %#" PRIx64 " %#" PRIx64 "\n", name,
           (uint64_t)s->pfn, (uint64_t)s->pages, (uint64_t)s->vstart, (uint64_t)s->vend);
}

/* Prints the non-zero 64-bit entries of pages first..first+count. */
static int dump_tables(struct xc_dom_image *dom, xen_pfn_t first, xen_pfn_t count)
{
    for (xen_pfn_t pfn = first; pfn < first + count; pfn++) {
        uint64_t *pg = xc_dom_pfn_to_ptr(dom, pfn, 0);
        if (!pg) { fprintf(stderr, "peer: pfn %#" PRIx64 " not mapped\n", (uint64_t)pfn); return -1; }
        for (int i = 0; i < 512; i++)
            if (pg[i])
                printf("pte %#" PRIx64 " %d %#" PRIx64 "\n", (uint64_t)pfn, i, pg[i]);
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct xc_interface_prefix *xch;
    struct xc_dom_image *dom;
    void *kernel, *module = NULL;
    size_t kernel_len, module_len = 0;
    xen_pfn_t nr_pages, i;
    const unsigned char *si;

    if (argc != 5) {
        fprintf(stderr, "usage: peer KERNEL MODULE|- NR_PAGES CMDLINE\n");
        return 2;
    }
    kernel = slurp(argv[1], &kernel_len);
    if (strcmp(argv[2], "-"))
        module = slurp(argv[2], &module_len);
    nr_pages = strtoull(argv[3], NULL, 0);

    xch = calloc(1, 1 << 16);
    xch->error_handler = (xentoollog_logger *)xtl_createlogger_stdiostream(stderr, XTL_ERROR, 0);
    if (getenv("PEER_DEBUG"))
        xch->dombuild_logger =
            (xentoollog_logger *)xtl_createlogger_stdiostream(stderr, XTL_DEBUG, 0);

    /* As kexec.c: no size limits, our own flags and event channels. */
    dom = xc_dom_allocate((xc_interface *)xch, argv[4], NULL);
    if (!dom) return 1;
    xc_dom_kernel_max_size(dom, 0);
    xc_dom_module_max_size(dom, 0);
    if (xc_dom_kernel_mem(dom, kernel, kernel_len)) return 1;
    if (module && xc_dom_module_mem(dom, module, module_len, NULL)) return 1;
    dom->console_evtchn = 3;
    dom->xenstore_evtchn = 5;
    strcpy(dom->xen_caps, "xen-3.0-x86_64");

    if (xc_dom_parse_image(dom)) { printf("error parse\n"); return 1; }
    if (xc_dom_set_arch_hooks(dom)) { printf("error arch\n"); return 1; }
    dom->total_pages = nr_pages;
    dom->p2m_size = nr_pages;
    dom->pv_p2m = malloc(sizeof(*dom->pv_p2m) * nr_pages);
    for (i = 0; i < nr_pages; i++)
        dom->pv_p2m[i] = i;
    if (xc_dom_build_image(dom)) { printf("error build\n"); return 1; }

    printf("virt_base %#" PRIx64 "\n", xc_dom_virt_base(dom));
    printf("entry %#" PRIx64 "\n", xc_dom_virt_entry(dom));
    printf("hypercall %#" PRIx64 "\n", xc_dom_virt_hypercall(dom));
    seg("kernel", &dom->kernel_seg);
    if (module)
        seg("module", &dom->modules[0].seg);
    seg("p2m", &dom->p2m_seg);
    seg("pgtables", &dom->pgtables_seg);
    printf("start_info_pfn %#" PRIx64 "\n", (uint64_t)dom->start_info_pfn);
    printf("xenstore_pfn %#" PRIx64 "\n", (uint64_t)dom->xenstore_pfn);
    printf("console_pfn %#" PRIx64 "\n", (uint64_t)dom->console_pfn);
    printf("bootstack_pfn %#" PRIx64 "\n", (uint64_t)dom->bootstack_pfn);
    printf("virt_pgtab_end %#" PRIx64 "\n", (uint64_t)dom->virt_pgtab_end);
    printf("pfn_alloc_end %#" PRIx64 "\n", (uint64_t)dom->pfn_alloc_end);

    dom->shared_info_mfn = 0x1234;
    if (dom->arch_hooks->setup_pgtables(dom)) { printf("error pgtables\n"); return 1; }
    dom->arch_hooks->start_info(dom);

    if (dump_tables(dom, dom->pgtables_seg.pfn, dom->pgtables_seg.pages)) return 1;
    /* With INIT_P2M the p2m segment ends with the tables that map it. */
    if (dom->p2m_seg.vstart < xc_dom_virt_base(dom)) {
        xen_pfn_t list = (nr_pages * 8 + 4095) / 4096;
        if (dump_tables(dom, dom->p2m_seg.pfn + list, dom->p2m_seg.pages - list)) return 1;
    }
    si = xc_dom_pfn_to_ptr(dom, dom->start_info_pfn, 1);
    if (!si) return 1;
    printf("start_info ");
    for (i = 0; i < 4096; i++)
        printf("%02x", si[i]);
    printf("\n");
    return 0;
}
