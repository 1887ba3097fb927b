// Umbrella header for the CEdit system-library module.
#include <histedit.h>
#include <editline/readline.h>
