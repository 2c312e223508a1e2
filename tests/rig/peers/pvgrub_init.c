/* /init of the initramfs pv-grub's rig tests boot: proves from inside the booted kernel that
 * it reached init, with what command line and how many CPUs, then powers the domain off.
 * Built static by the tests (gcc -static); the console is the kernel's (console=hvc0). */
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <unistd.h>

static void slurp(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, len - 1, f) : 0;
    buf[n] = 0;
    if (f)
        fclose(f);
    char *nl = strchr(buf, '\n');
    if (nl)
        *nl = 0;
}

int main(void)
{
    static char cmdline[4096], online[256], mem[256];
    mkdir("/proc", 0755);
    mkdir("/sys", 0755);
    mount("proc", "/proc", "proc", 0, 0);
    mount("sysfs", "/sys", "sysfs", 0, 0);
    slurp("/proc/cmdline", cmdline, sizeof cmdline);
    slurp("/sys/devices/system/cpu/online", online, sizeof online);
    slurp("/proc/meminfo", mem, sizeof mem);
    printf("pvgrub-init: reached init\n");
    printf("pvgrub-init: cmdline=%s\n", cmdline);
    printf("pvgrub-init: cpus-online=%s\n", online);
    printf("pvgrub-init: %s\n", mem);
    fflush(stdout);
    sync();
    reboot(RB_POWER_OFF);
    return 0;
}
