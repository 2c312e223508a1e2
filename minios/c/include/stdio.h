/* stdio.h of minios's small libc: output goes to the domain's console. The printf family
 * (tinyrlibc's vsnprintf) knows %d %i %u %x %X %c %s %% with l, ll, z, width, precision
 * and 0-padding; no floating point. */
#ifndef _MINIOS_STDIO_H
#define _MINIOS_STDIO_H
#include <stdarg.h>
#include <stddef.h>

#define EOF (-1)

int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintf(const char *fmt, va_list ap);
/* C99's snprintf: at most len - 1 characters and a NUL (when len > 0), returns the full
 * length. Ours wraps tinyrlibc's, which leaves a cut-short buffer unterminated. */
int minios_snprintf(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int minios_vsnprintf(char *buf, size_t len, const char *fmt, va_list ap);
#define snprintf minios_snprintf
#define vsnprintf minios_vsnprintf
int puts(const char *s);
int putchar(int c);
#endif
