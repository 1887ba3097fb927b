// Umbrella header for the CCrypto system-library module.
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
