// QR encoding with libqrencode (see qr.h).
#include "signing/qr.h"

#include <qrencode.h>

namespace balie::signing {

QrMatrix make_qr(const std::string& text) {
  QrMatrix m;
  if (text.empty() || text.size() > kMaxQrBytes) return m;
  // Short texts (receipt references) keep level M; long ones (the enrolment request) use level L so
  // the matrix stays as small as possible on the screen (version 40-L holds 2953 bytes).
  const QRecLevel level = text.size() <= kQrLevelMUpTo ? QR_ECLEVEL_M : QR_ECLEVEL_L;
  QRcode* q = QRcode_encodeData(static_cast<int>(text.size()), reinterpret_cast<const unsigned char*>(text.data()), 0,
                                level);
  if (!q) return m;
  m.size = q->width;
  m.dark.resize(static_cast<size_t>(q->width) * q->width);
  for (size_t i = 0; i < m.dark.size(); ++i) m.dark[i] = (q->data[i] & 1) != 0;
  QRcode_free(q);
  return m;
}

}  // namespace balie::signing
