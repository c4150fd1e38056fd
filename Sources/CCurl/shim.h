// libcurl's easy and multi interfaces (Debian's libcurl4-openssl-dev). curl_easy_setopt,
// curl_easy_getinfo and curl_multi_setopt are variadic, which Swift cannot call: these
// one-line wrappers fix each use's argument type.
#include <curl/curl.h>

typedef size_t (*cmbench_curl_write_callback)(char *, size_t, size_t, void *);

static inline CURLcode cmbench_curl_easy_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode cmbench_curl_easy_setopt_pointer(CURL *handle, CURLoption option, const void *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode cmbench_curl_easy_setopt_write(CURL *handle, CURLoption option, cmbench_curl_write_callback value) {
    return curl_easy_setopt(handle, option, value);
}

static inline long cmbench_curl_easy_response_code(CURL *handle) {
    long code = 0;
    curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &code);
    return code;
}

static inline CURLMcode cmbench_curl_multi_setopt_long(CURLM *multi, CURLMoption option, long value) {
    return curl_multi_setopt(multi, option, value);
}
