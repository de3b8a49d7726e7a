/*
 * cu_main.h - the shared main of every CUnit test program.
 * A test file defines its CU_TestInfo table and calls cu_run().
 */
#ifndef ROOTLENS_CU_MAIN_H
#define ROOTLENS_CU_MAIN_H

#include <CUnit/Basic.h>
#include <stdio.h>

static inline int cu_run(const char *suite, CU_TestInfo *tests)
{
	/* CUnit wants a mutable name; copy it rather than cast const away. */
	static char name[64];
	snprintf(name, sizeof(name), "%s", suite);
	CU_SuiteInfo suites[] = {
		{ name, NULL, NULL, NULL, NULL, tests },
		CU_SUITE_INFO_NULL,
	};
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	if (CU_register_suites(suites) != CUE_SUCCESS) {
		CU_cleanup_registry();
		return 2;
	}
	CU_basic_set_mode(CU_BRM_NORMAL);
	CU_basic_run_tests();
	unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failed ? 1 : 0;
}

#endif
