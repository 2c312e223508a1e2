/*
 * c-stubdom: Xen's c-stubdom did sleep(2) and printf("Hello, world!"). This one also reads
 * its name from xenstore, waits for dom0 to write data/c-stubdom/poke (a watch), reads
 * sector 1 of its first disk and shows it, sends itself an event through Xen, and reports each step in data/c-stubdom/ for
 * dom0 to check; it powers off once dom0 writes data/c-stubdom/checked (or after the
 * timeout). Options (xl extra=): poke-timeout=SECONDS (default 60).
 */
#include <minios.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void report(const char *key, const char *value)
{
	char path[64];
	snprintf(path, sizeof path, "data/c-stubdom/%s", key);
	int r = xs_write(path, value);
	if (r < 0)
		printf("c-stubdom: cannot write %s: error %d\n", path, -r);
}

static unsigned poke_timeout(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strncmp(argv[i], "poke-timeout=", 13) == 0)
			return (unsigned)strtoul(argv[i] + 13, NULL, 10);
	return 60;
}

static int show_sector(void)
{
	struct minios_disk_info info;
	int disk = blk_open(NULL, &info);
	if (disk < 0) {
		printf("c-stubdom: no disk (error %d)\n", -disk);
		return disk;
	}
	printf("c-stubdom: disk of %llu sectors of %u bytes%s\n",
	       (unsigned long long)info.sectors, info.sector_size,
	       info.read_only ? " (read-only)" : "");
	char *sector = malloc(info.sector_size);
	if (!sector)
		return -12;
	int r = blk_read(disk, 1, sector, info.sector_size);
	if (r == 0) {
		/* dom0 wrote a line of text there: show it up to its newline (the bytes are the
		 * disk's, with no NUL promised: look no further than 80 of them). */
		char *nl = memchr(sector, '\n', 80);
		size_t n = nl ? (size_t)(nl - sector) : 80;
		sector[n] = '\0';
		printf("c-stubdom: sector 1 says: %s\n", sector);
		report("sector", sector);
	} else {
		printf("c-stubdom: reading sector 1 failed (error %d)\n", -r);
	}
	free(sector);
	blk_close(disk);
	return r;
}

/* An event channel to ourselves through Xen: a port bound to another of ours fires when
 * notified. Returns 0 when it did, and not before. */
static int evtchn_loopback(void)
{
	char id[16];
	if (xs_read("domid", id, sizeof id) <= 0)
		return -1;
	uint16_t self = (uint16_t)strtoul(id, NULL, 10);
	uint32_t a, b;
	if (evtchn_alloc_unbound(self, &a) < 0)
		return -1;
	if (evtchn_bind_interdomain(self, a, &b) < 0) {
		evtchn_close(a);
		return -1;
	}
	int early = evtchn_wait(a, 0);
	int r = evtchn_notify(b);
	int fired = evtchn_wait(a, 5000);
	printf("c-stubdom: event channel %u -> %u: %s\n", b, a,
	       r == 0 && fired == 1 && early == 0 ? "fired" : "FAILED");
	evtchn_close(b);
	evtchn_close(a);
	return r == 0 && fired == 1 && early == 0 ? 0 : -1;
}

/* Waits on watch until path holds a nonempty value (events also come for our own writes),
 * reads it into buf and removes the watch. 1 if it came within limit seconds. */
static int wait_for(int watch, const char *path, char *buf, size_t len, unsigned limit)
{
	uint64_t end = minios_now_ns() + (uint64_t)limit * 1000000000u;
	int got = 0;
	buf[0] = '\0';
	while (!got) {
		if (xs_read(path, buf, len) > 0) {
			got = 1;
			break;
		}
		uint64_t now = minios_now_ns();
		if (now >= end)
			break;
		uint64_t ms = (end - now) / 1000000 + 1;
		if (xs_watch_wait(watch, ms > UINT32_MAX ? UINT32_MAX : (uint32_t)ms, NULL, 0) < 0)
			break;
	}
	xs_unwatch(watch);
	return got;
}

int main(int argc, char **argv)
{
	printf("c-stubdom: sleeping 2 s\n");
	report("state", "sleeping");
	uint64_t t0 = minios_now_ns();
	sleep(2);
	printf("Hello, world!\n");
	char ms[24];
	snprintf(ms, sizeof ms, "%llu", (unsigned long long)((minios_now_ns() - t0) / 1000000));
	report("slept-ms", ms);

	char name[128];
	long n = xs_read("name", name, sizeof name);
	if (n < 0) {
		printf("c-stubdom: cannot read my name: error %ld\n", -n);
		return 1;
	}
	printf("c-stubdom: my name is %s\n", name);
	report("name", name);

	xs_write("data/c-stubdom/poke", "");
	int w = xs_watch("data/c-stubdom/poke");
	if (w < 0) {
		printf("c-stubdom: cannot watch: error %d\n", -w);
		return 1;
	}
	report("state", "watching");
	unsigned limit = poke_timeout(argc, argv);
	char poke[64];
	if (!wait_for(w, "data/c-stubdom/poke", poke, sizeof poke, limit)) {
		printf("c-stubdom: no poke from dom0 within %u s\n", limit);
		return 1;
	}
	printf("c-stubdom: dom0 poked: %s\n", poke);
	report("poked", poke);

	if (show_sector() != 0 || evtchn_loopback() != 0)
		return 1;
	report("state", "done");
	char checked[16];
	w = xs_watch("data/c-stubdom/checked");
	if (w >= 0 && wait_for(w, "data/c-stubdom/checked", checked, sizeof checked, limit))
		printf("c-stubdom: dom0 checked my answers\n");
	printf("c-stubdom: done, powering off\n");
	return 0;
}
