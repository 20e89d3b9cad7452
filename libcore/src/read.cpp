#include "bk/read.hpp"

#include <simdjson.h>

#include <algorithm>
#include <cstring>

#include "bk/error.hpp"
#include "bk/hive.hpp"
#include "bk/text.hpp"

namespace bk {

std::string_view format_name(Format f) {
  switch (f) {
    case Format::Auto: return "auto";
    case Format::Ndjson: return "ndjson";
    case Format::Csv: return "csv";
    case Format::Tsv: return "tsv";
    case Format::Chunk: return "chunk";
  }
  return "?";
}

Format parse_format(std::string_view name, std::string_view flag, bool allow_auto) {
  if (name == "ndjson" || name == "json" || name == "jsonl") return Format::Ndjson;
  if (name == "csv") return Format::Csv;
  if (name == "tsv") return Format::Tsv;
  if (name == "chunk" || name == "bkc") return Format::Chunk;
  if (allow_auto && name == "auto") return Format::Auto;
  throw Error::usage(concat(flag, ": unknown format '", name, "'"),
                     allow_auto ? "use auto, ndjson, csv, tsv or chunk" : "use ndjson, csv, tsv or chunk");
}

char parse_delimiter(std::string_view s) {
  if (s == "\\t" || s == "tab" || s == "\t") return '\t';
  if (s.size() != 1 || s[0] == '"' || s[0] == '\n' || s[0] == '\r')
    throw Error::usage(concat("--delimiter: '", s, "' is not a single usable character"), "use e.g. ';' or tab");
  return s[0];
}

void PaddedBuffer::resize(size_t n) {
  if (n + kPadding > cap_) {
    size_t cap = std::max(n + kPadding, cap_ + cap_ / 2);
    std::unique_ptr<char[]> nb(new char[cap]);
    if (size_) std::memcpy(nb.get(), buf_.get(), size_);
    buf_ = std::move(nb);
    cap_ = cap;
  }
  size_ = n;
  std::memset(buf_.get() + n, 0, kPadding);
}

void PaddedBuffer::assign(const char* p, size_t n) {
  size_ = 0;
  resize(n);
  std::memcpy(buf_.get(), p, n);
}

namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

Format format_from_extension(std::string path) {
  if (ends_with(path, ".gz")) path.resize(path.size() - 3);
  for (auto ext : {".json", ".ndjson", ".jsonl"})
    if (ends_with(path, ext)) return Format::Ndjson;
  if (ends_with(path, ".csv")) return Format::Csv;
  if (ends_with(path, ".tsv") || ends_with(path, ".tab")) return Format::Tsv;
  return Format::Auto;
}

bool is_json_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

}  // namespace

BlockReader::BlockReader(const InputFile& in, const ReadOptions& opts, int64_t block_bytes)
    : in_(in), opts_(opts), block_bytes_(block_bytes), reader_(open_input(in)) {
  // Sniff the format from the first bytes.
  fill(64 * 1024);
  std::string_view head(pending_);
  // Chunk magic; with one or two bytes of it damaged still a chunk file (so the damage is named).
  int magic_bytes = 0;
  for (size_t k = 0; k < 8 && k < head.size(); ++k) magic_bytes += head[k] == chunk::kFileMagic[k];
  // A file shorter than the magic that starts like it is a chunk file cut short.
  bool short_prefix = !head.empty() && head.size() < 8 && static_cast<size_t>(magic_bytes) == head.size();
  bool is_chunk = (head.size() >= 8 && magic_bytes >= 6) || short_prefix;
  if (opts.format == Format::Chunk || (opts.format == Format::Auto && is_chunk)) {
    if (!is_chunk && !head.empty())
      throw Error("not a chunk file (no chunk magic at its start)", "drop -I chunk to detect the format").at(in.display);
    format_ = Format::Chunk;
    reader_ = prefixed_reader(std::move(reader_), std::move(pending_));
    pending_.clear();
    frames_ = std::make_unique<chunk::FrameReader>(*reader_, in.display);
    return;
  }
  if (head.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;  // a UTF-8 byte order mark is not data
  size_t k = pos_;
  while (k < head.size() && is_json_space(head[k])) ++k;
  char first = k < head.size() ? head[k] : '\0';

  // A file's extension speaks first (a CSV header may well start with '['); then the content.
  format_ = opts.format;
  if (format_ == Format::Auto) format_ = format_from_extension(in.path);
  if (format_ == Format::Auto) {
    if (first == '{' || first == '[') format_ = Format::Ndjson;
    else if (k == head.size()) format_ = Format::Ndjson;  // nothing but whitespace: zero records
  }
  char sniffed = ',';
  if (format_ == Format::Auto || (format_ == Format::Csv && !opts.delimiter)) {
    // Count candidate delimiters outside quotes on the header line.
    int64_t tabs = 0, commas = 0, semis = 0;
    bool quoted = false;
    for (size_t i = pos_; i < head.size() && (quoted || head[i] != '\n'); ++i) {
      char c = head[i];
      if (c == '"') quoted = !quoted;
      else if (!quoted) tabs += c == '\t', commas += c == ',', semis += c == ';';
    }
    if (format_ == Format::Auto) format_ = tabs > commas && tabs > semis ? Format::Tsv : Format::Csv;
    if (semis > commas && semis > tabs) sniffed = ';';
    else if (tabs > commas) sniffed = '\t';
  }
  if (format_ == Format::Tsv) delimiter_ = '\t';
  if (format_ == Format::Csv) delimiter_ = opts.delimiter ? opts.delimiter : sniffed;
  if (format_ == Format::Csv || format_ == Format::Tsv) read_header();
  if (in.skip_lines > header_lines_) skip_lines(in.skip_lines - header_lines_);
}

void BlockReader::skip_lines(int64_t n) {
  // Lines an earlier run read (bk-ingest, a file that grew): drop them, and number the
  // first block's lines after them.
  int64_t skipped = 0;
  while (skipped < n) {
    const char* p = pending_.data() + pos_;
    const char* end = pending_.data() + pending_.size();
    while (skipped < n && p < end) {
      const char* nl = static_cast<const char*>(std::memchr(p, '\n', end - p));
      if (!nl) {
        p = end;
        break;
      }
      p = nl + 1;
      ++skipped;
    }
    size_t keep_from = p - pending_.data();
    if (skipped < n && eof_) {
      pos_ = pending_.size();
      break;
    }
    if (skipped < n) {
      // Everything pending is skipped; read on.
      pending_.clear();
      pos_ = 0;
      fill(1 << 20);
      continue;
    }
    pos_ = keep_from;
  }
  header_lines_ += skipped;
}

bool BlockReader::fill(size_t want) {
  while (pending_.size() - pos_ < want && !eof_) {
    if (pos_ > 0 && pos_ >= pending_.size() / 2) {
      pending_.erase(0, pos_);
      pos_ = 0;
    }
    size_t old = pending_.size();
    size_t chunk = std::max<size_t>(want - (old - pos_), 1 << 16);
    pending_.resize(old + chunk);
    size_t got = 0;
    while (got < chunk) {
      size_t r = reader_->read(pending_.data() + old + got, chunk - got);
      if (r == 0) {
        eof_ = true;
        break;
      }
      got += r;
    }
    pending_.resize(old + got);
  }
  return pending_.size() - pos_ >= want;
}

bool split_csv_record(std::string_view text, size_t& pos, char delim, std::vector<std::string>& fields,
                      int64_t& newlines) {
  fields.clear();
  std::string field;
  size_t i = pos;
  bool quoted_field = false;
  newlines = 0;
  while (i < text.size()) {
    char c = text[i];
    if (field.empty() && !quoted_field && c == '"') {
      quoted_field = true;
      ++i;
      for (;;) {
        if (i >= text.size()) return false;
        if (text[i] == '"') {
          if (i + 1 < text.size() && text[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          if (i + 1 >= text.size()) return false;
          ++i;
          break;
        }
        if (text[i] == '\n') ++newlines;
        field += text[i++];
      }
      continue;
    }
    if (c == delim) {
      fields.push_back(std::move(field));
      field.clear();
      quoted_field = false;
      ++i;
      continue;
    }
    if (c == '\n' || (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n')) {
      i += c == '\r' ? 2 : 1;
      ++newlines;
      fields.push_back(std::move(field));
      pos = i;
      return true;
    }
    field += c;
    ++i;
  }
  return false;
}

void BlockReader::read_header() {
  for (;;) {
    std::vector<std::string> fields;
    size_t p = pos_;
    int64_t newlines = 0;
    bool ok;
    if (format_ == Format::Tsv) {
      const char* nl = static_cast<const char*>(std::memchr(pending_.data() + pos_, '\n', pending_.size() - pos_));
      ok = nl != nullptr;
      if (ok || eof_) {
        size_t end = ok ? nl - pending_.data() : pending_.size();
        std::string_view line(pending_.data() + pos_, end - pos_);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        size_t s = 0;
        for (;;) {
          size_t t = line.find('\t', s);
          fields.push_back(unescape_tsv(line.substr(s, t == std::string_view::npos ? std::string_view::npos : t - s)));
          if (t == std::string_view::npos) break;
          s = t + 1;
        }
        p = ok ? end + 1 : end;
        newlines = 1;
        ok = true;
      }
    } else {
      ok = split_csv_record(pending_, p, delimiter_, fields, newlines);
      if (!ok && eof_) {
        std::string text = pending_.substr(pos_) + "\n";
        size_t q = 0;
        ok = split_csv_record(text, q, delimiter_, fields, newlines);
        if (!ok) throw Error("unclosed quote in the header row", "close the quoted field").at(in_.display, 1);
        p = pending_.size();
      }
    }
    if (!ok) {  // the header row goes on past what we have read
      fill(pending_.size() - pos_ + (1 << 20));
      continue;
    }
    if (pos_ == pending_.size()) return;  // empty input: no header, no records
    for (const auto& f : fields)
      if (!simdjson::validate_utf8(f.data(), f.size()))
        throw Error("invalid UTF-8 in the header row", "the file must be UTF-8; convert it, e.g. with iconv")
            .at(in_.display, 1);
    pos_ = p;
    header_lines_ = newlines;
    // Name every column: empty names become column<N>, repeated names get _2, _3 ….
    auto header = std::make_shared<TextHeader>();
    for (size_t k = 0; k < fields.size(); ++k) {
      std::string name = fields[k].empty() ? concat("column", k + 1) : fields[k];
      std::string unique = name;
      for (int n = 2; std::find(header->names.begin(), header->names.end(), unique) != header->names.end(); ++n)
        unique = concat(name, "_", n);
      header->names.push_back(unique);
    }
    header_ = std::move(header);
    return;
  }
}

size_t BlockReader::take_input(char* dst, size_t n) {
  size_t k = std::min(n, pending_.size() - pos_);
  std::memcpy(dst, pending_.data() + pos_, k);
  pos_ += k;
  if (pos_ == pending_.size()) {
    pending_.clear();
    pos_ = 0;
  }
  return k + (k < n ? read_into(dst + k, n - k) : 0);
}

size_t BlockReader::read_into(char* dst, size_t n) {
  size_t got = 0;
  while (got < n && !eof_) {
    size_t r = reader_->read(dst + got, n - got);
    if (r == 0) eof_ = true;
    got += r;
  }
  return got;
}

size_t BlockReader::cut_point(const char* base, size_t n) const {
  if (format_ != Format::Csv) {
    const void* nl = memrchr(base, '\n', n);
    return nl ? static_cast<const char*>(nl) - base + 1 : 0;
  }
  // CSV: the same quote rules as the parser; a quote opens a quoted field only at its start.
  size_t last = 0;
  bool quoted = false, field_start = true;
  for (size_t i = 0; i < n; ++i) {
    char c = base[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < n && base[i + 1] == '"') ++i;
        else quoted = false;
      }
    } else if (c == '"' && field_start) {
      quoted = true;
      field_start = false;
    } else if (c == '\n') {
      last = i + 1;
      field_start = true;
    } else {
      field_start = c == delimiter_;
    }
  }
  return last;
}

bool BlockReader::next(RawBlock& out) {
  out.hive = opts_.hive;
  if (format_ == Format::Chunk) {
    out.format = format_;
    out.input = &in_;
    out.first_in_file = first_;
    out.only = first_ ? nullptr : opts_.only;  // as for text: the first block has every field
    first_ = false;
    if (!frames_->next(out.frame, true)) return false;
    out.block_no = frames_->block_no();
    out.block_offset = frames_->block_offset();
    return true;
  }
  out.format = format_;
  out.delimiter = delimiter_;
  out.strings = opts_.strings;
  out.keep_going = opts_.keep_going;
  out.only = first_ ? nullptr : opts_.only;
  out.header = header_;
  out.input = &in_;
  out.skip_lines = first_ ? header_lines_ : 0;
  out.first_in_file = first_;

  // The bytes left from the last block (or the sniffed prefix) come first; then we
  // read straight into the block's buffer, cut after the last whole record and
  // keep the tail for the next block.
  size_t want = static_cast<size_t>(block_bytes_);
  out.data.resize(want);
  size_t n = take_input(out.data.data(), want);
  size_t cut = input_done() ? n : cut_point(out.data.data(), n);
  while (cut == 0 && !input_done()) {  // a record longer than the block: read on
    want = n * 2;
    out.data.resize(want);
    n += take_input(out.data.data() + n, want - n);
    cut = input_done() ? n : cut_point(out.data.data(), n);
  }
  if (n == 0) {
    out.data.resize(0);
    if (first_ && header_) {  // a header without rows still has a schema: one empty block
      first_ = false;
      return true;
    }
    return false;
  }
  // The tail goes back in front of whatever is still pending.
  pending_.replace(0, pos_, out.data.data() + cut, n - cut);
  pos_ = 0;
  out.data.resize(cut);
  first_ = false;
  return true;
}

std::string record_text(const RawBlock& block, int64_t line) {
  if (block.format == Format::Chunk) return {};
  std::string_view data(block.data.data(), block.data.size());
  size_t pos = 0;
  for (int64_t k = block.skip_lines + 1; k < line && pos < data.size(); ++k) {
    size_t nl = data.find('\n', pos);
    pos = nl == std::string_view::npos ? data.size() : nl + 1;
  }
  size_t end = data.find('\n', pos);
  if (end == std::string_view::npos) end = data.size();
  if (block.format == Format::Csv) {
    // A quoted field may hold line breaks: the record ends where the splitter says.
    std::vector<std::string> fields;
    int64_t newlines = 0;
    size_t p = pos;
    if (split_csv_record(data, p, block.delimiter, fields, newlines)) end = p;
    else end = data.size();  // the last record without a newline, or an unclosed quote: the rest of the block
  }
  // Without its line break: LF, CRLF, or a CR at the end of the block. Only one: a
  // CR before it is data (CSV and TSV keep it in the last field).
  std::string_view r = data.substr(pos, end - pos);
  if (!r.empty() && r.back() == '\n') r.remove_suffix(1);
  if (!r.empty() && r.back() == '\r') r.remove_suffix(1);
  return sanitize_utf8(r);
}

namespace {

Batch parse_in_format(const RawBlock& block) {
  switch (block.format) {
    case Format::Csv: return parse_csv(block);
    case Format::Tsv: return parse_tsv(block);
    case Format::Chunk: return parse_chunk(block);
    default: return parse_ndjson(block);
  }
}

}  // namespace

Batch parse_block(const RawBlock& block) {
  Batch b = parse_in_format(block);
  if (block.hive && block.input) hive::add_path_fields(b, block.input->path);
  return b;
}

bool first_record_fields(const RawBlock& block, std::vector<std::string>& names) {
  names.clear();
  switch (block.format) {
    case Format::Csv:
    case Format::Tsv:
      if (!block.header) return false;
      names = block.header->names;
      return true;
    case Format::Chunk:
      try {
        int time_field = -1;
        for (auto& field : chunk::decode_block_schema(block.frame, time_field)) names.push_back(field.first);
        return true;
      } catch (const Error&) {
        names.clear();
        return false;
      }
    default: {
      // The first line that is not blank, parsed alone.
      const char* p = block.data.data();
      const char* end = p + block.data.size();
      while (p < end) {
        const char* nl = static_cast<const char*>(std::memchr(p, '\n', end - p));
        const char* le = nl ? nl : end;
        if (std::string_view(p, le - p).find_first_not_of(" \t\r") != std::string_view::npos) {
          RawBlock line;
          line.format = Format::Ndjson;
          line.data.assign(p, le - p);
          Batch b = parse_ndjson(line);
          if (b.rows == 0) return false;
          names = std::move(b.names);
          return true;
        }
        p = nl ? nl + 1 : end;
      }
      return false;
    }
  }
}

Batch parse_chunk(const RawBlock& block) {
  std::string source = block.input ? block.input->display : "";
  try {
    Batch b = chunk::decode_block(block.frame, block.only.get());
    b.source = std::move(source);
    return b;
  } catch (const Error& e) {
    Batch b;
    b.source = source;
    b.error = std::make_exception_ptr(
        Error(concat("block ", block.block_no, " (byte ", block.block_offset, "): ", e.message()), e.hint()).at(source));
    return b;
  }
}

}  // namespace bk
