/*
 * input.c — decompressing readers for files and stdin.
 *
 * The codec is chosen by the first bytes: 1f 8b is gzip (zlib, which also
 * reads concatenated members), 28 b5 2f fd is zstd (streaming API), anything
 * else is read as is. Reads are large (the caller passes MiB buffers).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "weir/common.h"
#include "weir/source.h"

enum { CODEC_PLAIN, CODEC_GZIP, CODEC_ZSTD };

struct weir_input {
	int fd;
	int codec;
	uint64_t size, pos; /* compressed bytes */
	/* raw read buffer (compressed input) */
	unsigned char *raw;
	size_t raw_cap, raw_len, raw_off;
	int raw_eof;
	z_stream z;
	int z_init;
	ZSTD_DCtx *zd;
};

#define RAW_CAP (1u << 20)

static ssize_t fill_raw(struct weir_input *in)
{
	if (in->raw_off < in->raw_len)
		return (ssize_t)(in->raw_len - in->raw_off);
	if (in->raw_eof)
		return 0;
	ssize_t r;
	do
		r = read(in->fd, in->raw, in->raw_cap);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return WEIR_EIO;
	if (r == 0)
		in->raw_eof = 1;
	in->raw_len = (size_t)r;
	in->raw_off = 0;
	in->pos += (uint64_t)r;
	return r;
}

int weir_input_open(const char *path, struct weir_input **out, char *err, size_t errcap)
{
	struct weir_input *in = calloc(1, sizeof(*in));
	if (!in)
		return WEIR_ENOMEM;
	in->raw_cap = RAW_CAP;
	in->raw = malloc(in->raw_cap);
	if (!in->raw) {
		free(in);
		return WEIR_ENOMEM;
	}
	if (strcmp(path, "-") == 0) {
		in->fd = 0;
	} else {
		in->fd = open(path, O_RDONLY | O_CLOEXEC);
		if (in->fd < 0) {
			snprintf(err, errcap, "%s: %s", path, strerror(errno));
			free(in->raw);
			free(in);
			return errno == ENOENT ? WEIR_ENOENT : WEIR_EIO;
		}
		struct stat st;
		if (fstat(in->fd, &st) == 0 && S_ISREG(st.st_mode))
			in->size = (uint64_t)st.st_size;
		if (fstat(in->fd, &st) == 0 && S_ISDIR(st.st_mode)) {
			snprintf(err, errcap, "%s: is a directory", path);
			close(in->fd);
			free(in->raw);
			free(in);
			return WEIR_EINVAL;
		}
	}
	/* Sniff the codec from the first bytes (read until 4 bytes or EOF). */
	while (in->raw_len < 4 && !in->raw_eof) {
		ssize_t r;
		do
			r = read(in->fd, in->raw + in->raw_len, in->raw_cap - in->raw_len);
		while (r < 0 && errno == EINTR);
		if (r < 0) {
			snprintf(err, errcap, "%s: %s", path, strerror(errno));
			weir_input_close(in);
			return WEIR_EIO;
		}
		if (r == 0)
			in->raw_eof = 1;
		in->raw_len += (size_t)r;
		in->pos += (uint64_t)r;
	}
	const unsigned char *b = in->raw;
	if (in->raw_len >= 2 && b[0] == 0x1f && b[1] == 0x8b) {
		in->codec = CODEC_GZIP;
		if (inflateInit2(&in->z, 15 + 32) != Z_OK) {
			weir_input_close(in);
			return WEIR_ENOMEM;
		}
		in->z_init = 1;
	} else if (in->raw_len >= 4 && b[0] == 0x28 && b[1] == 0xb5 && b[2] == 0x2f && b[3] == 0xfd) {
		in->codec = CODEC_ZSTD;
		in->zd = ZSTD_createDCtx();
		if (!in->zd) {
			weir_input_close(in);
			return WEIR_ENOMEM;
		}
	}
	*out = in;
	return 0;
}

static ssize_t read_gzip(struct weir_input *in, char *buf, size_t cap)
{
	in->z.next_out = (unsigned char *)buf;
	in->z.avail_out = (uInt)cap;
	while (in->z.avail_out == cap) {
		ssize_t r = fill_raw(in);
		if (r < 0)
			return r;
		if (r == 0)
			break;
		in->z.next_in = in->raw + in->raw_off;
		in->z.avail_in = (uInt)(in->raw_len - in->raw_off);
		int zr = inflate(&in->z, Z_NO_FLUSH);
		in->raw_off = in->raw_len - in->z.avail_in;
		if (zr == Z_STREAM_END) {
			/* Concatenated gzip members: start the next one. */
			inflateReset(&in->z);
		} else if (zr != Z_OK && zr != Z_BUF_ERROR) {
			return WEIR_EFORMAT;
		}
	}
	return (ssize_t)(cap - in->z.avail_out);
}

static ssize_t read_zstd(struct weir_input *in, char *buf, size_t cap)
{
	ZSTD_outBuffer ob = {buf, cap, 0};
	while (ob.pos == 0) {
		ssize_t r = fill_raw(in);
		if (r < 0)
			return r;
		if (r == 0)
			break;
		ZSTD_inBuffer ib = {in->raw, in->raw_len, in->raw_off};
		size_t zr = ZSTD_decompressStream(in->zd, &ob, &ib);
		in->raw_off = ib.pos;
		if (ZSTD_isError(zr))
			return WEIR_EFORMAT;
	}
	return (ssize_t)ob.pos;
}

ssize_t weir_input_read(struct weir_input *in, char *buf, size_t cap)
{
	if (in->codec == CODEC_GZIP)
		return read_gzip(in, buf, cap);
	if (in->codec == CODEC_ZSTD)
		return read_zstd(in, buf, cap);
	/* plain: hand out what is buffered first, then read straight into buf */
	if (in->raw_off < in->raw_len) {
		size_t n = in->raw_len - in->raw_off;
		if (n > cap)
			n = cap;
		memcpy(buf, in->raw + in->raw_off, n);
		in->raw_off += n;
		return (ssize_t)n;
	}
	if (in->raw_eof)
		return 0;
	ssize_t r;
	do
		r = read(in->fd, buf, cap);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return WEIR_EIO;
	in->pos += (uint64_t)r;
	return r;
}

int weir_input_wait(struct weir_input *in, int timeout_ms)
{
	/* bytes already buffered (the codec sniffing read, or compressed input
	 * not yet decoded) are readable now */
	if (in->raw_off < in->raw_len || in->raw_eof)
		return 1;
	struct pollfd p = {.fd = in->fd, .events = POLLIN};
	int r = poll(&p, 1, timeout_ms);
	/* an error or a hang-up: let the next read report it */
	return r != 0;
}

uint64_t weir_input_pos(struct weir_input *in)
{
	return in->pos;
}

uint64_t weir_input_size(struct weir_input *in)
{
	return in->size;
}

const char *weir_input_codec(struct weir_input *in)
{
	return in->codec == CODEC_GZIP ? "gzip" : in->codec == CODEC_ZSTD ? "zstd" : "plain";
}

void weir_input_close(struct weir_input *in)
{
	if (!in)
		return;
	if (in->z_init)
		inflateEnd(&in->z);
	if (in->zd)
		ZSTD_freeDCtx(in->zd);
	if (in->fd > 0)
		close(in->fd);
	free(in->raw);
	free(in);
}
