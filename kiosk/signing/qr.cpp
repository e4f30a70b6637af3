// QR encoding with libqrencode (see qr.h).
#include "signing/qr.h"

#include <qrencode.h>

namespace balie::signing {

QrMatrix make_qr(const std::string& text) {
  QrMatrix m;
  if (text.empty() || text.size() > 128) return m;
  QRcode* q = QRcode_encodeString8bit(text.c_str(), 0, QR_ECLEVEL_M);
  if (!q) return m;
  m.size = q->width;
  m.dark.resize(static_cast<size_t>(q->width) * q->width);
  for (size_t i = 0; i < m.dark.size(); ++i) m.dark[i] = (q->data[i] & 1) != 0;
  QRcode_free(q);
  return m;
}

}  // namespace balie::signing
