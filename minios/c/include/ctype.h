/* ctype.h of minios's small libc (tinyrlibc). */
#ifndef _MINIOS_CTYPE_H
#define _MINIOS_CTYPE_H
int isspace(int c);
int isdigit(int c);
int isalpha(int c);
int isupper(int c);
#endif
