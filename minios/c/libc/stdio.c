/* The printf family over the console, on tinyrlibc's vsnprintf. */
#include <minios.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* tinyrlibc's vsnprintf, under its own name (stdio.h maps vsnprintf to ours). */
#undef vsnprintf
int vsnprintf(char *buf, size_t len, const char *fmt, va_list ap);

int minios_vsnprintf(char *buf, size_t len, const char *fmt, va_list ap)
{
	int n = vsnprintf(buf, len, fmt, ap);
	/* tinyrlibc writes the NUL only when the output fits, and nothing on an error. */
	if (len > 0 && (n < 0 || (size_t)n >= len))
		buf[len - 1] = '\0';
	return n;
}

int minios_snprintf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = minios_vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return n;
}

int vprintf(const char *fmt, va_list ap)
{
	char small[256];
	va_list again;
	va_copy(again, ap);
	int n = minios_vsnprintf(small, sizeof small, fmt, ap);
	if (n >= 0 && (size_t)n < sizeof small) {
		minios_console_write(small, (size_t)n);
	} else if (n >= 0) {
		char *big = malloc((size_t)n + 1);
		if (big) {
			minios_vsnprintf(big, (size_t)n + 1, fmt, again);
			minios_console_write(big, (size_t)n);
			free(big);
		} else {
			minios_console_write(small, sizeof small - 1);
		}
	}
	va_end(again);
	return n;
}

int printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}

int puts(const char *s)
{
	minios_console_write(s, strlen(s));
	minios_console_write("\n", 1);
	return 1;
}

int putchar(int c)
{
	char ch = (char)c;
	minios_console_write(&ch, 1);
	return (unsigned char)c;
}
