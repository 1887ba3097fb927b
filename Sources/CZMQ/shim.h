// Umbrella header for the CZMQ system-library module (libzmq, the ZeroMQ
// library the Jupyter messaging protocol runs over).
#include <zmq.h>
