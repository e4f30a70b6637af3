// TLS identity helpers shared by enrolment and bundle checks (store/ layer, headless, OpenSSL
// libcrypto): the public-key pin ("sha256//<base64 of SHA-256 over the DER SubjectPublicKeyInfo>",
// the form CURLOPT_PINNEDPUBLICKEY takes) of a certificate, a private key or a CSR, so that the
// terminal can check that a certificate in an enrolment bundle was issued for its own TLS key.
#pragma once
#include <string>
#include <string_view>

#include "balie/store/result.h"

namespace balie::store {

// Each returns InvalidArgument with a reason when the PEM text does not hold exactly that object.
Result<std::string> pin_of_certificate_pem(std::string_view pem);
Result<std::string> pin_of_private_key_pem(std::string_view pem);
Result<std::string> pin_of_csr_pem(std::string_view pem);

}  // namespace balie::store
