/* test_str.c: translate/core/str.c. */
#include <stdlib.h>
#include <string.h>
#include <stdint.h>

#include "str.h"
#include "t.h"

static void
test_copy(void)
{
	char b[4];

	CHECK(str_copy(b, sizeof(b), "abc") == 0 && strcmp(b, "abc") == 0);
	CHECK(str_copy(b, sizeof(b), "abcd") == -1 && strcmp(b, "abc") == 0);
	CHECK(str_copy(b, sizeof(b), NULL) == 0 && b[0] == '\0');
	CHECK(str_copy(b, 0, "x") == -1);
}

static void
test_dup(void)
{
	char *p = NULL;

	CHECK(str_dup(NULL) == NULL);
	p = str_dup("x");
	CHECK(p != NULL && strcmp(p, "x") == 0);
	CHECK(str_dup_to(&p, "yz") == 0 && strcmp(p, "yz") == 0);
	CHECK(str_dup_to(&p, NULL) == 0 && p == NULL);
	free(p);
	CHECK(str_add_overflows(SIZE_MAX, 1) && !str_add_overflows(1, 2));
}

int
main(void)
{
	test_copy();
	test_dup();
	return T_DONE();
}
