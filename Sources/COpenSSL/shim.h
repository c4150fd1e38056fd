// libcrypto's message-digest API (EVP), stable across OpenSSL 1.1 and 3. Only SHA-256 is used.
#include <openssl/evp.h>
