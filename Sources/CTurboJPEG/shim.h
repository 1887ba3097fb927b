// Umbrella header for the CTurboJPEG system-library module.
#include <turbojpeg.h>
