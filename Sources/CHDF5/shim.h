// Umbrella header for the CHDF5 system-library module.
#include <hdf5.h>
