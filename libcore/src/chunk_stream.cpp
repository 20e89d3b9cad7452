// Walking a chunk stream frame by frame (layout in man/bk-chunk.5). Reads strictly
// forward, so it works on pipes; sizes are checked for plausibility and data is read
// in pieces, so a damaged length can neither make us allocate gigabytes up front nor
// wait forever: it runs into the end of the input and is reported as truncation.
#include <cstring>

#include "bk/chunk.hpp"
#include "bk/error.hpp"

namespace bk::chunk {

size_t FrameReader::read_exact(char* dst, size_t n) {
  size_t got = 0;
  while (got < n) {
    size_t r = in_.read(dst + got, n - got);
    if (r == 0) break;
    got += r;
  }
  pos_ += got;
  return got;
}

// `intact`: the whole blocks before the damage (every block read so far, or all
// but the last when the file ends inside that one).
Error FrameReader::truncated(const std::string& where, int64_t intact) const {
  std::string hint = "the file was cut short";
  if (intact == 1) hint += "; the block before it is intact";
  if (intact > 1) hint += concat("; the ", intact, " blocks before it are intact");
  return Error(concat("truncated: the file ends inside ", where), hint).at(name_);
}

void FrameReader::read_growing(std::string& buf, uint64_t n, const std::string& what, int64_t intact) {
  uint64_t done = 0;
  while (done < n) {
    uint64_t step = std::min<uint64_t>(n - done, 16u << 20);
    size_t at = buf.size();
    buf.resize(at + step);
    size_t got = read_exact(buf.data() + at, static_cast<size_t>(step));
    if (got < step) {
      buf.resize(at + got);
      throw truncated(what, intact);
    }
    done += step;
  }
}

bool FrameReader::next(std::string& frame, bool with_payload) {
  for (;;) {
    char tag[16];
    uint64_t at = pos_;
    size_t got = read_exact(tag, 4);
    if (got == 0) {
      if (in_segment_ && !footer_seen_)
        throw Error(concat("truncated: no footer after block ", blocks_),
                    "the file was cut short; its blocks are intact")
            .at(name_);
      return false;
    }
    if (got < 4)
      throw truncated(in_segment_ && !footer_seen_ ? concat("the frame after block ", blocks_) : std::string("a file header"),
                      blocks_);

    if (std::memcmp(tag, kFileMagic, 4) == 0) {
      if (read_exact(tag + 4, kFileHeaderSize - 4) < kFileHeaderSize - 4) throw truncated("a file header", blocks_);
      if (std::memcmp(tag, kFileMagic, 8) != 0)
        throw Error(concat("damaged file header at byte ", at), "this is not an intact chunk file").at(name_);
      uint16_t version;
      std::memcpy(&version, tag + 8, 2);
      uint16_t flags;
      uint32_t reserved;
      std::memcpy(&flags, tag + 10, 2);
      std::memcpy(&reserved, tag + 12, 4);
      const bool known = version >= kOldestVersion && version <= kVersion;
      if (known && (flags != 0 || reserved != 0))
        throw Error(concat("damaged file header at byte ", at, " (reserved bytes are not zero)"),
                    "the file is corrupt")
            .at(name_);
      if (!known)
        throw Error(concat("chunk format version ", version, " is not supported (this build reads versions ",
                           kOldestVersion, " to ", kVersion, ")"),
                    "upgrade batchkit")
            .at(name_);
      if (in_segment_ && !footer_seen_)
        throw Error(concat("a new file starts at byte ", at, " before the footer of the one before"),
                    "a truncated chunk file was concatenated with another")
            .at(name_);
      in_segment_ = true;
      footer_seen_ = false;
      segment_start_ = at;
      seg_blocks_.clear();
      continue;
    }
    // A tag that differs from a known one in one byte is that frame, damaged.
    auto near = [&](const char* want) {
      int same = 0;
      for (int k = 0; k < 4; ++k) same += tag[k] == want[k];
      return same >= 3;
    };
    if (!in_segment_ || footer_seen_) {
      if (near(kFileMagic))
        throw Error(concat("damaged file header at byte ", at), "this is not an intact chunk file").at(name_);
      throw Error(concat("damaged: expected a chunk file header at byte ", at), "the file is corrupt").at(name_);
    }

    if (std::memcmp(tag, kBlockTag, 4) == 0) {
      offset_ = at;
      ++blocks_;
      frame.assign(tag, 4);
      frame.resize(kBlockHeaderSize);
      if (read_exact(frame.data() + 4, kBlockHeaderSize - 4) < kBlockHeaderSize - 4)
        throw truncated(concat("block ", blocks_), blocks_ - 1);
      BlockHeader h;
      try {
        h = parse_block_header(frame.data());
      } catch (const Error& e) {
        throw Error(concat("block ", blocks_, " (byte ", at, "): ", e.message()), e.hint()).at(name_);
      }
      if (with_payload) {
        read_growing(frame, h.schema_len + h.payload_len, concat("block ", blocks_), blocks_ - 1);
      } else {
        read_growing(frame, h.schema_len, concat("block ", blocks_), blocks_ - 1);
        if (in_.skip(h.payload_len) < h.payload_len) throw truncated(concat("block ", blocks_), blocks_ - 1);
        pos_ += h.payload_len;
      }
      BlockInfo info;
      info.offset = at - segment_start_;
      info.frame_len = kBlockHeaderSize + h.schema_len + h.payload_len;
      info.rows = h.rows;
      seg_blocks_.push_back(std::move(info));
      return true;
    }

    if (std::memcmp(tag, kFooterTag, 4) == 0) {
      std::string hb(tag, 4);
      hb.resize(kFooterHeaderSize);
      if (read_exact(hb.data() + 4, kFooterHeaderSize - 4) < kFooterHeaderSize - 4)
        throw truncated("the footer", blocks_);
      uint32_t footer_reserved;
      std::memcpy(&footer_reserved, hb.data() + 4, 4);
      if (footer_reserved != 0)
        throw Error(concat("damaged footer after block ", blocks_, ": reserved bytes are not zero"),
                    "the file is corrupt")
            .at(name_);
      uint64_t body_len;
      std::memcpy(&body_len, hb.data() + 8, 8);
      if (body_len > kMaxFrameBytes)
        throw Error(concat("damaged footer after block ", blocks_, ": implausible length"), "the file is corrupt")
            .at(name_);
      read_growing(hb, body_len, "the footer", blocks_);
      char tail[8 + kTrailerSize];
      if (read_exact(tail, sizeof tail) < sizeof tail) throw truncated("the footer", blocks_);
      uint64_t checksum, footer_len, total;
      std::memcpy(&checksum, tail, 8);
      std::memcpy(&footer_len, tail + 8, 8);
      std::memcpy(&total, tail + 16, 8);
      Footer f;
      try {
        f = decode_footer(hb, checksum);
      } catch (const Error& e) {
        throw Error(concat("damaged footer after block ", blocks_, ": ", e.message()), e.hint()).at(name_);
      }
      bool match = f.blocks.size() == seg_blocks_.size();
      uint64_t rows = 0;
      for (size_t k = 0; match && k < f.blocks.size(); ++k) {
        match = f.blocks[k].offset == seg_blocks_[k].offset && f.blocks[k].frame_len == seg_blocks_[k].frame_len &&
                f.blocks[k].rows == seg_blocks_[k].rows;
        rows += f.blocks[k].rows;
      }
      if (!match || rows != f.rows)
        throw Error(concat("the footer after block ", blocks_, " does not match the blocks before it"),
                    "blocks were lost or altered; the file is corrupt")
            .at(name_);
      if (std::memcmp(tail + 24, kEndMagic, 8) != 0 || total != pos_ - segment_start_ || footer_len != pos_ - at)
        throw Error(concat("damaged trailer after block ", blocks_), "the file is corrupt").at(name_);
      footers_.push_back(std::move(f));
      footer_seen_ = true;
      continue;
    }
    if (near(kBlockTag))
      throw Error(concat("block ", blocks_ + 1, " (byte ", at, "): damaged: bad block tag"),
                  "the file is corrupt; the blocks before this one are intact")
          .at(name_);
    if (near(kFooterTag))
      throw Error(concat("damaged footer after block ", blocks_, ": bad footer tag"),
                  "the file is corrupt; its blocks may still be read")
          .at(name_);
    throw Error(concat("damaged: unexpected bytes at byte ", at, " after block ", blocks_), "the file is corrupt")
        .at(name_);
  }
}

}  // namespace bk::chunk
