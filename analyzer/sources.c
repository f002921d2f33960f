/* sources: source files read once and indexed by line (see sources.h). */
#include "sources.h"

#include <stdlib.h>
#include <string.h>

void al_sources_init(al_sources *s)
{
    memset(s, 0, sizeof(*s));
    al_strtab_init(&s->paths);
}

void al_sources_free(al_sources *s)
{
    for (size_t i = 0; i < s->files.count; i++) {
        free(s->files.items[i].text);
        free(s->files.items[i].line_start);
    }
    AL_VEC_FREE(s->files);
    al_strtab_free(&s->paths);
}

static void read_source(al_source *src, const char *path)
{
    src->text = *path ? al_read_file(path, &src->len) : NULL;
    if (!src->text)
        return;
    src->readable = true;
    size_t lines = 1;
    for (size_t i = 0; i + 1 < src->len; i++)
        lines += src->text[i] == '\n';
    src->line_start = al_xmalloc(lines * sizeof(size_t));
    src->line_start[0] = 0;
    size_t n = 1;
    for (size_t i = 0; i + 1 < src->len; i++)
        if (src->text[i] == '\n')
            src->line_start[n++] = i + 1;
    src->line_count = lines;
}

const al_source *al_sources_get(al_sources *s, const char *path)
{
    uint32_t id = al_strtab_intern(&s->paths, path);
    if (id == 0) {
        static const al_source unreadable;
        return &unreadable;
    }
    while (s->files.count < id) {
        al_source src = {0};
        read_source(&src, al_str(&s->paths, (uint32_t)s->files.count + 1));
        AL_VEC_PUSH(s->files, src);
    }
    return &s->files.items[id - 1];
}

const char *al_source_line(const al_source *src, unsigned line, size_t *len)
{
    if (!src->readable || line == 0 || line > src->line_count)
        return NULL;
    const char *start = src->text + src->line_start[line - 1];
    size_t n = strcspn(start, "\n");
    if (n && start[n - 1] == '\r')
        n--;
    *len = n;
    return start;
}

unsigned al_utf16_column(const char *line, size_t len, unsigned byte_column)
{
    if (byte_column == 0)
        return 0;
    size_t bytes = byte_column - 1 < len ? byte_column - 1 : len;
    unsigned units = 0;
    for (size_t i = 0; i < bytes; i++) {
        unsigned char c = (unsigned char)line[i];
        if ((c & 0xc0) != 0x80) /* a lead byte starts a code point; 4-byte ones need two units */
            units += c >= 0xf0 ? 2 : 1;
    }
    return units + 1 + (unsigned)(byte_column - 1 - bytes); /* past the line's end: count bytes */
}
