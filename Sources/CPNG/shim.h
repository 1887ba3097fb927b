// Umbrella header for the CPNG system-library module.
#include <png.h>
