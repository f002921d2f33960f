/* extract: libclang -> facts.
 *
 * A unit is walked once. Top-level declarations in system headers are skipped (their functions are
 * then "external" and matched by name against the rules); everything else, project headers
 * included, is recorded. Inside a function body nothing is skipped by location: the calls that
 * header macros expand to (ev_io_init, g_signal_connect, ...) are spelled in the header.
 *
 * libclang's visitor gives each cursor only its parent. To know how a function reference is used
 * (which argument of which call, which field it is stored into) we keep the chain of ancestors of
 * the current cursor on an explicit stack, with each one's position among its siblings. */
#include "extract.h"

#include <errno.h>
#include <stddef.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "libclang.h"

struct al_extractor {
    CXIndex index;
};

bool al_extract_load(char **error)
{
    return al_libclang_load(error);
}

al_extractor *al_extractor_new(void)
{
    char *error = NULL;
    if (!al_libclang_load(&error)) { /* the commands load it first, and stop on this error */
        fprintf(stderr, "%s\n", error);
        abort();
    }
    al_extractor *ex = al_xcalloc(1, sizeof(*ex));
    ex->index = clang_createIndex(0, 0);
    return ex;
}

void al_extractor_free(al_extractor *ex)
{
    if (!ex)
        return;
    clang_disposeIndex(ex->index);
    free(ex);
}

char *al_extract_clang_version(char **error)
{
    if (!al_libclang_load(error))
        return NULL;
    CXString v = clang_getClangVersion();
    char *s = al_xstrdup(clang_getCString(v));
    clang_disposeString(v);
    return s;
}

char *al_extract_clang_identity(void)
{
    return al_libclang_file_identity();
}

const char *al_extract_cindex_version(void)
{
    return CINDEX_VERSION_STRING;
}

/* ---- per-unit walking state ---- */

/* A guard that holds after an earlier statement of a block exited early (`if (pid != 0) return;`):
 * for the statements after `from`, the position of that statement. */
typedef struct sticky_guard {
    al_fact_guard guard;
    unsigned from;
} sticky_guard;

typedef struct ancestor {
    CXCursor cursor;
    enum CXCursorKind kind;
    unsigned index;       /* position among its parent's children */
    unsigned child_count; /* children visited so far */
    CXCursor first_child;
    /* the flow around it (see "where a call runs" below) */
    uint32_t block, loop;                /* the block or loop this cursor opens (index + 1), else 0 */
    uint32_t held_first, held_count;     /* if, ?:, && and ||: guards of its condition when it holds, */
    uint32_t broken_first, broken_count; /* and when it does not: ids in the walker's pool */
    int dead_child;                      /* an if whose condition is a constant: the branch that never runs */
    uint32_t pool_mark, sticky_mark;     /* the pool and sticky lengths when it was pushed */
    bool is_logical;                     /* a BinaryOperator that is && or || */
    /* a switch: its subject; its body: the label of the current statements */
    bool switch_known;
    al_fact_guard switch_subject;
    bool case_known; /* on a statement of a switch body: the guard of its case label */
    al_fact_guard case_guard;
    bool label_known; /* on a switch body: the current label, as statements go by */
    al_fact_guard label_guard;
    uint32_t body_block; /* on a switch body: its own block; `block` is then the current segment's,
                            from one label to the next, which an exit in it ends alone */
    CXCursor previous;   /* on a compound statement: the child visited before this one */
} ancestor;

typedef struct file_slot {
    CXFile file;
    uint32_t id;
} file_slot;

/* A local variable of the function being walked: `int debug = 0;` that nothing writes and whose
 * address nothing takes holds its initializer's value wherever it is tested. */
typedef struct local_state {
    unsigned declarations; /* of this name in the function: two (shadowing) and it is not known */
    bool has_value, written;
    long long value;
    uint32_t formatted; /* a buffer `snprintf(buf, n, "/proc/%d/stat", pid)` last wrote: the format's
                           text up to its first conversion (a string id), else 0 */
} local_state;

/* `hints.ai_flags = AI_NUMERICHOST;`: a field of a local struct set to a constant in the function
 * being walked (known while every such store agrees), for arguments like `&hints`. */
typedef struct field_constant {
    uint32_t local; /* its index in the walker's local_states */
    uint32_t field; /* the field's name, an id in the unit's strings */
    long long value;
    bool known;
    uint32_t block; /* where it was stored: it holds at a call only while that block is open (a
                       store under `if (numeric)` says nothing after the if) */
} field_constant;

typedef struct walker {
    al_tu_facts *tu;
    CXTranslationUnit unit;
    uint32_t current_function; /* key of the function being walked, 0 at file scope */
    uint32_t holder;           /* at file scope: the key of the variable whose initializer is walked */
    AL_VEC(ancestor) stack;
    file_slot *files; /* CXFile -> interned absolute path; open addressing */
    size_t file_slots;
    size_t file_count;
    al_strtab var_uses;          /* "function variable kind" already recorded, each once */
    AL_VEC(al_fact_guard) pool;  /* guards of the conditions on the stack */
    AL_VEC(sticky_guard) sticky; /* early exits of the blocks on the stack */
    /* the locals of the function being walked, by name: whether each holds one constant all along */
    al_strtab locals;
    AL_VEC(local_state) local_states;
    AL_VEC(field_constant) field_constants;
    al_u32_vec block_labels; /* per unit block: 1 + the position of its last statement so far that is
                                or holds a goto label, 0 for none */
} walker;

static uint32_t intern_cxstring(walker *w, CXString s)
{
    uint32_t id = al_strtab_intern(&w->tu->strings, clang_getCString(s) ? clang_getCString(s) : "");
    clang_disposeString(s);
    return id;
}

static uint32_t file_path_id(walker *w, CXFile file)
{
    if (!file)
        return 0;
    if (w->file_count * 2 >= w->file_slots) {
        size_t old_slots = w->file_slots;
        file_slot *old = w->files;
        w->file_slots = old_slots ? old_slots * 2 : 64;
        w->files = al_xcalloc(w->file_slots, sizeof(*w->files));
        for (size_t i = 0; i < old_slots; i++) {
            if (!old[i].file)
                continue;
            size_t j = ((uintptr_t)old[i].file >> 4) & (w->file_slots - 1);
            while (w->files[j].file)
                j = (j + 1) & (w->file_slots - 1);
            w->files[j] = old[i];
        }
        free(old);
    }
    size_t j = ((uintptr_t)file >> 4) & (w->file_slots - 1);
    while (w->files[j].file) {
        if (w->files[j].file == file)
            return w->files[j].id;
        j = (j + 1) & (w->file_slots - 1);
    }
    /* libclang reports the path as it was opened ("/build/../src/x.h"); normalize it so that one
     * file has one name across units. The real path resolves symlinks too, when it is known. */
    CXString real = clang_File_tryGetRealPathName(file);
    const char *r = clang_getCString(real);
    char *path;
    if (r && *r) {
        path = al_path_absolute(r, NULL);
    } else {
        CXString name = clang_getFileName(file);
        path = al_path_absolute(clang_getCString(name) ? clang_getCString(name) : "", NULL);
        clang_disposeString(name);
    }
    clang_disposeString(real);
    uint32_t id = al_strtab_intern(&w->tu->strings, path);
    free(path);
    w->files[j].file = file;
    w->files[j].id = id;
    w->file_count++;
    return id;
}

/* Where the user wrote it: for code from a macro expansion, the place the macro is used. */
static al_loc location_of(walker *w, CXSourceLocation where)
{
    CXFile file;
    unsigned line, column, offset;
    clang_getExpansionLocation(where, &file, &line, &column, &offset);
    al_loc loc = {file_path_id(w, file), line, column};
    return loc;
}

static al_loc cursor_location(walker *w, CXCursor c)
{
    return location_of(w, clang_getCursorLocation(c));
}

/* The link key of a function or variable: its USR, which is program-wide for external ones. A
 * static function's USR names only the base name of its file (c:util.c@F@helper), so two util.c in
 * two folders would collide: qualify it with the full path of the file that defines it. A static
 * inline function of a header thereby stays one function across all units that include it. Static
 * and local variables are qualified the same way, so two files' `static cb_t handlers[]` stay two. */
static uint32_t link_key(walker *w, CXCursor decl)
{
    CXString usr = clang_getCursorUSR(decl);
    const char *u = clang_getCString(usr);
    uint32_t key;
    enum CXLinkageKind linkage = clang_getCursorLinkage(decl);
    if (linkage == CXLinkage_Internal || linkage == CXLinkage_NoLinkage) {
        CXCursor def = clang_getCursorDefinition(decl);
        CXCursor at = clang_Cursor_isNull(def) ? decl : def;
        CXFile file;
        clang_getExpansionLocation(clang_getCursorLocation(at), &file, NULL, NULL, NULL);
        uint32_t path = file_path_id(w, file);
        char *qualified = al_xasprintf("%s@%s", u ? u : "", al_str(&w->tu->strings, path));
        key = al_strtab_intern(&w->tu->strings, qualified);
        free(qualified);
    } else {
        key = al_strtab_intern(&w->tu->strings, u ? u : "");
    }
    clang_disposeString(usr);
    return key;
}

static uint32_t function_key(walker *w, CXCursor fn)
{
    return link_key(w, fn);
}

/* The canonical spelling of a function type ("void (struct conn *)"), what --resolve-by-type
 * compares; 0 when `t` (or what it points to) is not a function type. */
static uint32_t function_type_id(walker *w, CXType t)
{
    t = clang_getCanonicalType(t);
    while (t.kind == CXType_Pointer)
        t = clang_getCanonicalType(clang_getPointeeType(t));
    if (t.kind != CXType_FunctionProto && t.kind != CXType_FunctionNoProto)
        return 0;
    CXString s = clang_getTypeSpelling(t);
    uint32_t id = al_strtab_intern(&w->tu->strings, clang_getCString(s) ? clang_getCString(s) : "");
    clang_disposeString(s);
    return id;
}

/* A type's name as declared: the typedef name when there is one ("uv_read_cb"), without
 * qualifiers; otherwise its spelling ("void (*)(void *)"). */
static uint32_t type_name(walker *w, CXType t)
{
    if (t.kind == CXType_Typedef)
        return intern_cxstring(w, clang_getTypedefName(t));
    if (t.kind == CXType_Pointer) {
        /* Redis declares function types, not pointer types: `aeFileProc *proc` is an aeFileProc */
        CXType pointee = clang_getPointeeType(t);
        if (pointee.kind == CXType_Typedef && clang_getCanonicalType(pointee).kind == CXType_FunctionProto)
            return intern_cxstring(w, clang_getTypedefName(pointee));
    }
    CXString s = clang_getTypeSpelling(t);
    const char *p = clang_getCString(s) ? clang_getCString(s) : "";
    for (;;) {
        if (strncmp(p, "const ", 6) == 0)
            p += 6;
        else if (strncmp(p, "volatile ", 9) == 0)
            p += 9;
        else
            break;
    }
    uint32_t id = al_strtab_intern(&w->tu->strings, p);
    clang_disposeString(s);
    return id;
}

/* "S.f" for a field declaration: the key field rules and indirect calls are matched on. */
static uint32_t field_key(walker *w, CXCursor field)
{
    CXCursor parent = clang_getCursorSemanticParent(field);
    CXString record = clang_getCursorSpelling(parent);
    CXString name = clang_getCursorSpelling(field);
    const char *r = clang_getCString(record);
    CXString type = {0};
    if (!r || !*r || strstr(r, "(anonymous") || strstr(r, "(unnamed")) {
        /* an anonymous struct is known by its typedef: `typedef struct { ... } conn_t;` */
        type = clang_getTypeSpelling(clang_getCursorType(parent));
        r = clang_getCString(type);
        if (!r || strstr(r, "(anonymous") || strstr(r, "(unnamed"))
            r = "(anonymous)";
    }
    char *key = al_xasprintf("%s.%s", r, clang_getCString(name));
    uint32_t id = al_strtab_intern(&w->tu->strings, key);
    free(key);
    if (type.data)
        clang_disposeString(type);
    clang_disposeString(record);
    clang_disposeString(name);
    return id;
}

static bool is_transparent(enum CXCursorKind kind)
{
    return kind == CXCursor_UnexposedExpr || kind == CXCursor_ParenExpr || kind == CXCursor_CStyleCastExpr ||
           kind == CXCursor_UnaryOperator;
}

/* First child of a cursor, or a null cursor. */
static enum CXChildVisitResult first_child_visitor(CXCursor c, CXCursor parent, CXClientData data)
{
    (void)parent;
    *(CXCursor *)data = c;
    return CXChildVisit_Break;
}

static CXCursor first_child(CXCursor c)
{
    CXCursor child = clang_getNullCursor();
    clang_visitChildren(c, first_child_visitor, &child);
    return child;
}

/* Looks through implicit conversions, parentheses and casts. */
static CXCursor strip(CXCursor c)
{
    while (!clang_Cursor_isNull(c) &&
           (clang_getCursorKind(c) == CXCursor_UnexposedExpr || clang_getCursorKind(c) == CXCursor_ParenExpr ||
            clang_getCursorKind(c) == CXCursor_CStyleCastExpr)) {
        CXCursor inner = first_child(c);
        if (clang_Cursor_isNull(inner))
            break;
        c = inner;
    }
    return c;
}

/* What an expression that is called or assigned to designates: "S.f" for a field, the name of a
 * variable, or "" when it is something else. */
static uint32_t designated_target(walker *w, CXCursor expr, al_use_kind *use, uint32_t *variable_key, bool *subscripted)
{
    *variable_key = 0;
    *subscripted = false;
    CXCursor e = strip(expr);
    /* `handlers[i]`, and `(*fp)`: a dereference loads from the same place */
    for (;;) {
        enum CXCursorKind k = clang_getCursorKind(e);
        if (k != CXCursor_ArraySubscriptExpr && k != CXCursor_UnaryOperator)
            break;
        *subscripted |= k == CXCursor_ArraySubscriptExpr;
        e = strip(first_child(e));
    }
    CXCursor ref = clang_getCursorReferenced(e);
    enum CXCursorKind kind = clang_getCursorKind(ref);
    if (kind == CXCursor_FieldDecl) {
        *use = AL_USE_FIELD;
        return field_key(w, ref);
    }
    if (kind == CXCursor_VarDecl || kind == CXCursor_ParmDecl) {
        *use = AL_USE_VARIABLE;
        *variable_key = link_key(w, ref);
        return intern_cxstring(w, clang_getCursorSpelling(ref));
    }
    *use = AL_USE_OTHER;
    return 0;
}

static int parameter_index(walker *w, CXCursor parm);

static local_state *local_of(walker *w, CXCursor var);

static uint32_t innermost_block(const walker *w);

/* Whether `block` is one of the blocks around the cursor being walked. */
static bool block_open(const walker *w, uint32_t block)
{
    for (size_t j = 0; j < w->stack.count; j++)
        if (w->stack.items[j].block == block || w->stack.items[j].body_block == block)
            return true;
    return false;
}

/* The local struct variable `e` names (`hints` of `hints.ai_flags`, not `p->f`), or a null cursor. */
static CXCursor local_struct(walker *w, CXCursor e)
{
    CXCursor var = clang_getCursorReferenced(e);
    if (!w->current_function || clang_getCursorKind(e) != CXCursor_DeclRefExpr ||
        clang_getCursorKind(var) != CXCursor_VarDecl || clang_Cursor_hasVarDeclGlobalStorage(var) == 1 ||
        clang_getCanonicalType(clang_getCursorType(var)).kind != CXType_Record)
        return clang_getNullCursor();
    return var;
}

/* `getaddrinfo(host, NULL, &hints, &res)`: the fields of `hints` set to constants so far, as
 * "ai_flags=4,ai_family=2" (a string id), or 0. (The one unary operator C allows on a structure
 * is `&`: no need to read it.) */
static uint32_t constant_fields_of_address(walker *w, CXCursor address)
{
    if (w->field_constants.count == 0)
        return 0;
    CXCursor var = local_struct(w, strip(first_child(address)));
    if (clang_Cursor_isNull(var))
        return 0;
    uint32_t local = (uint32_t)(local_of(w, var) - w->local_states.items);
    al_strbuf text = {0};
    for (size_t i = 0; i < w->field_constants.count; i++) {
        const field_constant *fc = &w->field_constants.items[i];
        if (fc->local == local && fc->known && block_open(w, fc->block))
            al_strbuf_appendf(&text, "%s%s=%lld", text.len ? "," : "", al_str(&w->tu->strings, fc->field), fc->value);
    }
    uint32_t id = text.len ? al_strtab_intern(&w->tu->strings, text.data) : 0;
    al_strbuf_free(&text);
    return id;
}

/* `hints.ai_flags = AI_NUMERICHOST;`: remember the constant; a second store of another value, or
 * of no constant, makes the field unknown. */
static void note_field_store(walker *w, CXCursor left, CXCursor right)
{
    CXCursor member = strip(left);
    CXCursor field = clang_getCursorReferenced(member);
    if (clang_getCursorKind(member) != CXCursor_MemberRefExpr || clang_getCursorKind(field) != CXCursor_FieldDecl)
        return;
    CXCursor var = local_struct(w, strip(first_child(member)));
    if (clang_Cursor_isNull(var))
        return;
    field_constant store = {(uint32_t)(local_of(w, var) - w->local_states.items),
                            intern_cxstring(w, clang_getCursorSpelling(field)), 0, false, innermost_block(w)};
    CXEvalResult r = clang_Cursor_Evaluate(right);
    if (r && clang_EvalResult_getKind(r) == CXEval_Int) {
        store.known = true;
        store.value = clang_EvalResult_getAsLongLong(r);
    }
    if (r)
        clang_EvalResult_dispose(r);
    for (size_t i = 0; i < w->field_constants.count; i++) {
        field_constant *fc = &w->field_constants.items[i];
        if (fc->local == store.local && fc->field == store.field) {
            fc->known = fc->known && store.known && fc->value == store.value;
            if (!block_open(w, fc->block))
                fc->block = store.block;
            return;
        }
    }
    AL_VEC_PUSH(w->field_constants, store);
}

/* The variable `&v` names (a null cursor for any other unary operator): the operand's type is
 * what the expression points to. */
static CXCursor address_of_variable(CXCursor op)
{
    CXCursor operand = strip(first_child(op));
    CXCursor var = clang_getCursorReferenced(operand);
    CXType type = clang_getCanonicalType(clang_getCursorType(op));
    if (clang_getCursorKind(operand) != CXCursor_DeclRefExpr || clang_getCursorKind(var) != CXCursor_VarDecl ||
        type.kind != CXType_Pointer ||
        !clang_equalTypes(clang_getCanonicalType(clang_getPointeeType(type)),
                          clang_getCanonicalType(clang_getCursorType(operand))))
        return clang_getNullCursor();
    return var;
}

/* `&rdb`, `&hash_type`: which variable's address an argument passes; `&stats.mutex`: which field's. */
static al_fact_arg address_argument(walker *w, CXCursor op)
{
    al_fact_arg value = {AL_ARG_UNKNOWN, 0, 0, 0};
    CXCursor member = strip(first_child(op));
    if (clang_getCursorKind(member) == CXCursor_ArraySubscriptExpr) {
        /* `&locks[i]`, `&s->locks[i]`: an element stands for its array */
        CXCursor base = strip(first_child(member));
        CXCursor var = clang_getCursorReferenced(base);
        if (clang_getCursorKind(base) == CXCursor_DeclRefExpr && clang_getCursorKind(var) == CXCursor_VarDecl) {
            value.kind = AL_ARG_ADDRESS;
            value.name = intern_cxstring(w, clang_getCursorSpelling(var));
            if (clang_Cursor_hasVarDeclGlobalStorage(var) == 1)
                value.key = link_key(w, var);
            return value;
        }
        member = base;
    }
    CXCursor field = clang_getCursorReferenced(member);
    if (clang_getCursorKind(member) == CXCursor_MemberRefExpr && clang_getCursorKind(field) == CXCursor_FieldDecl) {
        CXType type = clang_getCanonicalType(clang_getCursorType(op));
        if (type.kind == CXType_Pointer) { /* `&`, not `*` */
            value.kind = AL_ARG_FIELD_ADDRESS;
            value.name = field_key(w, field);
        }
        return value;
    }
    CXCursor var = address_of_variable(op);
    if (clang_Cursor_isNull(var))
        return value;
    value.kind = AL_ARG_ADDRESS;
    value.name = intern_cxstring(w, clang_getCursorSpelling(var));
    if (clang_Cursor_hasVarDeclGlobalStorage(var) == 1)
        value.key = link_key(w, var);
    return value;
}

static al_fact_arg evaluate_argument(walker *w, CXCursor arg)
{
    al_fact_arg value = {AL_ARG_UNKNOWN, 0, 0, 0};
    CXType type = clang_getCanonicalType(clang_getCursorType(arg));
    CXEvalResult r = clang_Cursor_Evaluate(arg);
    if (r) {
        if (clang_EvalResult_getKind(r) == CXEval_Int) {
            value.kind = AL_ARG_INT;
            value.value = clang_EvalResult_getAsLongLong(r);
        } else if (clang_EvalResult_getKind(r) == CXEval_StrLiteral && clang_EvalResult_getAsStr(r)) {
            const char *text = clang_EvalResult_getAsStr(r);
            value.kind = AL_ARG_STRING;
            value.name = al_strtab_intern_n(&w->tu->strings, text, strnlen(text, 256));
        }
        clang_EvalResult_dispose(r);
    }
    if (type.kind == CXType_Pointer && value.kind != AL_ARG_INT) {
        /* NULL is ((void *)0): the evaluator does not fold pointer casts, so fold what is inside */
        CXCursor inner = strip(arg);
        if (clang_getCursorKind(inner) == CXCursor_IntegerLiteral ||
            clang_getCursorKind(inner) == CXCursor_GNUNullExpr) {
            CXEvalResult ir = clang_Cursor_Evaluate(inner);
            if (ir) {
                if (clang_EvalResult_getKind(ir) == CXEval_Int && clang_EvalResult_getAsLongLong(ir) == 0)
                    value.kind = AL_ARG_NULL;
                clang_EvalResult_dispose(ir);
            }
        }
    } else if (type.kind == CXType_Pointer && value.kind == AL_ARG_INT && value.value == 0) {
        value.kind = AL_ARG_NULL;
    }
    if (value.kind == AL_ARG_UNKNOWN) {
        CXCursor inner = strip(arg);
        if (clang_getCursorKind(inner) == CXCursor_CallExpr) {
            CXCursor callee = clang_getCursorReferenced(inner);
            if (clang_getCursorKind(callee) == CXCursor_FunctionDecl) {
                value.kind = AL_ARG_CALL;
                value.name = intern_cxstring(w, clang_getCursorSpelling(callee));
            }
        } else if (clang_getCursorKind(inner) == CXCursor_DeclRefExpr) {
            CXCursor var = clang_getCursorReferenced(inner);
            int param = clang_getCursorKind(var) == CXCursor_ParmDecl ? parameter_index(w, var) : -1;
            if (param >= 0) {
                value.kind = AL_ARG_PARAM;
                value.value = param;
                value.name = intern_cxstring(w, clang_getCursorSpelling(var));
            } else if (clang_getCursorKind(var) == CXCursor_VarDecl) {
                value.kind = AL_ARG_VARIABLE;
                value.name = intern_cxstring(w, clang_getCursorSpelling(var));
                if (clang_Cursor_hasVarDeclGlobalStorage(var) == 1)
                    value.key = link_key(w, var);
                else if (w->current_function) {
                    /* a path formatted into a local buffer: its fixed start is what path tests
                       look at (`/proc/` of "/proc/%d/stat") */
                    const local_state *l = local_of(w, var);
                    if (l->declarations == 1 && l->formatted) {
                        value.kind = AL_ARG_STRING;
                        value.name = l->formatted;
                    }
                }
            }
        } else if (clang_getCursorKind(inner) == CXCursor_MemberRefExpr) {
            CXCursor field = clang_getCursorReferenced(inner);
            if (clang_getCursorKind(field) == CXCursor_FieldDecl) {
                value.kind = AL_ARG_FIELD;
                value.name = field_key(w, field);
            }
        } else if (clang_getCursorKind(inner) == CXCursor_UnaryOperator) {
            value.name = constant_fields_of_address(w, inner);
            if (value.name)
                value.kind = AL_ARG_FIELDS;
            else
                value = address_argument(w, inner);
        }
    }
    return value;
}

typedef struct field_at_index {
    unsigned wanted, seen;
    CXCursor field;
} field_at_index;

static enum CXVisitorResult field_visitor(CXCursor field, CXClientData data)
{
    field_at_index *f = data;
    if (f->seen++ == f->wanted) {
        f->field = field;
        return CXVisit_Break;
    }
    return CXVisit_Continue;
}

/* Where the result of the call on top of the ancestor stack goes: into a variable (`int fd =
 * open(...)`, `fd = open(...)`: its name, and its link key when it has static storage), into a
 * field (`log->fd = open(...)`: "S.f"), or back to the caller (`return open(...);`). (An
 * assignment's left side is a bare reference; in a comparison it is wrapped in an lvalue-to-rvalue
 * conversion.) */
static void record_destination(walker *w, al_fact_call *fc)
{
    size_t j = w->stack.count - 1;
    size_t child = j;
    CXCursor designated = clang_getNullCursor();
    while (j > 0) {
        j--;
        const ancestor *a = &w->stack.items[j];
        /* `fp = to_stdout ? stdout : fopen(...)`: a branch of ?: goes where the ?: goes */
        bool branch = a->kind == CXCursor_ConditionalOperator && w->stack.items[child].index >= 1;
        if (!branch && a->kind != CXCursor_UnexposedExpr && a->kind != CXCursor_ParenExpr &&
            a->kind != CXCursor_CStyleCastExpr)
            break;
        if (a->kind == CXCursor_UnexposedExpr && !clang_Cursor_isNull(a->first_child) &&
            clang_getCursorKind(a->first_child) == CXCursor_MemberRef)
            designated = clang_getCursorReferenced(a->first_child); /* `.fd = open(...)` */
        child = j;
    }
    const ancestor *user = &w->stack.items[j];
    if (user->kind == CXCursor_InitListExpr) { /* `{.fd = open(...)}`, `{open(...), ...}` */
        CXType type = clang_getCanonicalType(clang_getCursorType(user->cursor));
        field_at_index f = {w->stack.items[child].index, 0, designated};
        if (clang_Cursor_isNull(designated) && type.kind == CXType_Record)
            clang_Type_visitFields(type, field_visitor, &f);
        if (clang_getCursorKind(f.field) == CXCursor_FieldDecl)
            fc->assigned_field = field_key(w, f.field);
    } else if (user->kind == CXCursor_ReturnStmt) {
        fc->returned = true;
    } else if (user->kind == CXCursor_VarDecl && child != j) {
        fc->assigned_to = intern_cxstring(w, clang_getCursorSpelling(user->cursor));
        if (clang_Cursor_hasVarDeclGlobalStorage(user->cursor) == 1)
            fc->assigned_key = link_key(w, user->cursor);
    } else if (user->kind == CXCursor_BinaryOperator && w->stack.items[child].index == 1) {
        CXCursor target = clang_getCursorReferenced(user->first_child);
        if (clang_getCursorKind(user->first_child) == CXCursor_DeclRefExpr &&
            clang_getCursorKind(target) == CXCursor_VarDecl) {
            fc->assigned_to = intern_cxstring(w, clang_getCursorSpelling(target));
            if (clang_Cursor_hasVarDeclGlobalStorage(target) == 1)
                fc->assigned_key = link_key(w, target);
        } else if (clang_getCursorKind(user->first_child) == CXCursor_MemberRefExpr &&
                   clang_getCursorKind(target) == CXCursor_FieldDecl) {
            fc->assigned_field = field_key(w, target);
        }
    }
}

static int callback_parameter_index(walker *w, CXCursor parm);
static void place(walker *w, uint32_t *block, uint32_t *loop, uint32_t *position, uint32_t *first_guard,
                  uint32_t *guard_count);
static bool is_statement(walker *w);
static uint32_t comma_successor(walker *w);
static void declare_local(walker *w, CXCursor var);

/* `snprintf(buf, n, "/proc/%d/stat", pid)` into a local buffer: the buffer holds a path that
 * starts with the format's text up to its first conversion, until something copies over it. */
static void note_buffer_write(walker *w, const char *callee, CXCursor call)
{
    static const char *const formatters[] = {"sprintf", "snprintf"};
    static const char *const copiers[] = {"strcpy", "strncpy", "stpcpy", "memcpy", "memmove", "strlcpy"};
    int format_arg = -1;
    bool copier = false;
    for (size_t i = 0; i < sizeof(formatters) / sizeof(*formatters); i++)
        if (strcmp(callee, formatters[i]) == 0)
            format_arg = (int)i + 1; /* sprintf(buf, fmt), snprintf(buf, n, fmt) */
    for (size_t i = 0; i < sizeof(copiers) / sizeof(*copiers); i++)
        copier = copier || strcmp(callee, copiers[i]) == 0;
    if ((format_arg < 0 && !copier) || !w->current_function)
        return;
    CXCursor buffer = strip(clang_Cursor_getArgument(call, 0));
    CXCursor var = clang_getCursorReferenced(buffer);
    if (clang_getCursorKind(buffer) != CXCursor_DeclRefExpr || clang_getCursorKind(var) != CXCursor_VarDecl ||
        clang_Cursor_hasVarDeclGlobalStorage(var) == 1)
        return;
    local_state *l = local_of(w, var);
    l->formatted = 0;
    if (format_arg < 0 || clang_Cursor_getNumArguments(call) <= format_arg)
        return;
    CXEvalResult r = clang_Cursor_Evaluate(clang_Cursor_getArgument(call, (unsigned)format_arg));
    if (r && clang_EvalResult_getKind(r) == CXEval_StrLiteral && clang_EvalResult_getAsStr(r)) {
        const char *format = clang_EvalResult_getAsStr(r);
        size_t fixed = strcspn(format, "%");
        if (fixed > 0)
            l->formatted = al_strtab_intern_n(&w->tu->strings, format, fixed < 256 ? fixed : 256);
    }
    if (r)
        clang_EvalResult_dispose(r);
}

/* The parameter or local that a variable reference `e` names in the function being walked: true,
 * with *param (else -1) or *local (else 0) set. */
static bool holder_of(walker *w, CXCursor e, int *param, uint32_t *local)
{
    CXCursor var = clang_getCursorReferenced(e);
    *param = -1;
    *local = 0;
    if (!w->current_function || clang_getCursorKind(e) != CXCursor_DeclRefExpr)
        return false;
    if (clang_getCursorKind(var) == CXCursor_ParmDecl)
        *param = parameter_index(w, var);
    else if (clang_getCursorKind(var) == CXCursor_VarDecl && clang_Cursor_hasVarDeclGlobalStorage(var) == 0)
        *local = intern_cxstring(w, clang_getCursorSpelling(var));
    return *param >= 0 || *local;
}

/* `r->write(...)`, `d->type->free_val(...)`, `io.write(...)`: the object whose slot is called, when
 * a parameter or a local names it, and the field read on the way to the slot. */
static void note_call_object(walker *w, CXCursor member)
{
    if (clang_getCursorKind(member) != CXCursor_MemberRefExpr)
        return;
    al_fact_object o = {(uint32_t)w->tu->calls.count, -1, 0, 0}; /* the call about to be recorded */
    CXCursor base = strip(first_child(member));
    if (clang_getCursorKind(base) == CXCursor_MemberRefExpr) {
        CXCursor field = clang_getCursorReferenced(base);
        if (clang_getCursorKind(field) != CXCursor_FieldDecl)
            return;
        o.field = field_key(w, field);
        base = strip(first_child(base));
    }
    if (holder_of(w, base, &o.param, &o.local))
        AL_VEC_PUSH(w->tu->objects, o);
}

static void record_call(walker *w, CXCursor call)
{
    al_fact_call fc = {0};
    fc.param = -1;
    fc.caller = w->current_function;
    fc.loc = cursor_location(w, call);
    CXCursor callee = clang_getCursorReferenced(call);
    if (clang_getCursorKind(callee) == CXCursor_FunctionDecl) {
        fc.callee_key = function_key(w, callee);
        fc.callee_name = intern_cxstring(w, clang_getCursorSpelling(callee));
    } else {
        al_use_kind use;
        CXCursor callee_expr = first_child(call);
        fc.callee_name = designated_target(w, callee_expr, &use, &fc.variable_key, &fc.subscripted);
        fc.pointee_type = function_type_id(w, clang_getCursorType(callee_expr));
        /* `void run(cb_t fn) { fn(); }`: through the caller's own parameter */
        CXCursor loaded = clang_getCursorReferenced(strip(callee_expr));
        if (!fc.subscripted && clang_getCursorKind(loaded) == CXCursor_ParmDecl && w->current_function)
            fc.param = callback_parameter_index(w, loaded);
        if (use == AL_USE_FIELD && !fc.subscripted)
            note_call_object(w, strip(callee_expr));
    }
    int n = clang_Cursor_getNumArguments(call);
    fc.first_arg = (uint32_t)w->tu->args.count;
    fc.arg_count = n > 0 ? (uint32_t)n : 0;
    for (int i = 0; i < n; i++)
        AL_VEC_PUSH(w->tu->args, evaluate_argument(w, clang_Cursor_getArgument(call, (unsigned)i)));
    record_destination(w, &fc);
    if (n > 0 && fc.callee_key)
        note_buffer_write(w, al_str(&w->tu->strings, fc.callee_name), call);
    place(w, &fc.block, &fc.loop, &fc.position, &fc.first_guard, &fc.guard_count);
    fc.label_before = fc.block && fc.block <= w->block_labels.count ? w->block_labels.items[fc.block - 1] : 0;
    fc.statement = is_statement(w);
    fc.then_calls = comma_successor(w);
    AL_VEC_PUSH(w->tu->calls, fc);
}

/* The use of a function named at the top of the ancestor stack (not in callee position). */
static void record_reference(walker *w, CXCursor ref_expr, CXCursor fn, int param)
{
    al_fact_ref r = {0};
    r.param = param;
    if (param < 0) {
        r.function_key = function_key(w, fn);
        r.function_name = intern_cxstring(w, clang_getCursorSpelling(fn));
    }
    r.enclosing = w->current_function;
    r.holder = w->current_function ? 0 : w->holder;
    r.loc = cursor_location(w, ref_expr);
    r.use = AL_USE_OTHER;

    /* Climb through casts, parentheses and '&' to the expression that uses the function. */
    size_t top = w->stack.count - 1;
    size_t child = top;
    CXCursor designated_field = clang_getNullCursor();
    size_t j = top;
    while (j > 0) {
        j--;
        ancestor *a = &w->stack.items[j];
        if (a->kind == CXCursor_UnexposedExpr && !clang_Cursor_isNull(a->first_child) &&
            clang_getCursorKind(a->first_child) == CXCursor_MemberRef) {
            /* a designated initializer: ".on_read = handler" */
            designated_field = clang_getCursorReferenced(a->first_child);
            child = j;
            continue;
        }
        /* `verbose ? on_verbose : on_quiet` passes either branch on, but not the condition */
        bool chosen_branch = a->kind == CXCursor_ConditionalOperator && w->stack.items[child].index > 0;
        if (!is_transparent(a->kind) && !chosen_branch)
            break;
        child = j;
    }
    ancestor *user = &w->stack.items[j];
    unsigned position = w->stack.items[child].index;

    if (user->kind == CXCursor_CallExpr) {
        if (position == 0)
            return; /* callee position: recorded as a call */
        r.use = AL_USE_ARGUMENT;
        r.index = (int)position - 1;
        CXCursor callee = clang_getCursorReferenced(user->cursor);
        if (clang_getCursorKind(callee) == CXCursor_FunctionDecl) {
            r.target = intern_cxstring(w, clang_getCursorSpelling(callee));
            r.target_key = function_key(w, callee);
        } else {
            al_use_kind ignored;
            uint32_t ignored_key;
            bool ignored_subscript;
            r.target = designated_target(w, user->first_child, &ignored, &ignored_key, &ignored_subscript);
        }
        /* the parameter's declared type, from the callee expression's function type */
        CXType callee_type = clang_getCursorType(user->first_child);
        if (callee_type.kind == CXType_Pointer)
            callee_type = clang_getPointeeType(callee_type);
        CXType fn_type = callee_type;
        while (fn_type.kind != CXType_FunctionProto && fn_type.kind != CXType_FunctionNoProto) {
            CXType next =
                fn_type.kind == CXType_Pointer ? clang_getPointeeType(fn_type) : clang_getCanonicalType(fn_type);
            if (next.kind == fn_type.kind)
                break;
            fn_type = next;
        }
        if (fn_type.kind == CXType_FunctionProto && r.index < clang_getNumArgTypes(fn_type))
            r.type_name = type_name(w, clang_getArgType(fn_type, (unsigned)r.index));
    } else if (user->kind == CXCursor_BinaryOperator && position == 1) {
        /* an assignment has the (pointer) type of its left side; a comparison has type int */
        CXType t = clang_getCanonicalType(clang_getCursorType(user->cursor));
        if (t.kind == CXType_Pointer) {
            bool subscripted;
            r.target = designated_target(w, user->first_child, &r.use, &r.variable_key, &subscripted);
            r.type_name = type_name(w, clang_getCursorType(user->first_child));
        }
    } else if (user->kind == CXCursor_VarDecl) {
        r.use = AL_USE_VARIABLE;
        r.target = intern_cxstring(w, clang_getCursorSpelling(user->cursor));
        r.variable_key = link_key(w, user->cursor);
        r.type_name = type_name(w, clang_getCursorType(user->cursor));
    } else if (user->kind == CXCursor_InitListExpr) {
        CXType list_type = clang_getCursorType(user->cursor);
        CXType canonical = clang_getCanonicalType(list_type);
        if (!clang_Cursor_isNull(designated_field)) {
            r.use = AL_USE_FIELD;
            r.target = field_key(w, designated_field);
            r.type_name = type_name(w, clang_getCursorType(designated_field));
        } else if (canonical.kind == CXType_Record) {
            field_at_index f = {position, 0, clang_getNullCursor()};
            clang_Type_visitFields(canonical, field_visitor, &f);
            if (!clang_Cursor_isNull(f.field)) {
                r.use = AL_USE_FIELD;
                r.target = field_key(w, f.field);
                r.type_name = type_name(w, clang_getCursorType(f.field));
            }
        } else if (canonical.kind == CXType_ConstantArray || canonical.kind == CXType_IncompleteArray) {
            /* an element of a function-pointer array: name the array variable */
            for (size_t k = j; k > 0; k--) {
                if (w->stack.items[k - 1].kind == CXCursor_VarDecl) {
                    r.use = AL_USE_VARIABLE;
                    r.target = intern_cxstring(w, clang_getCursorSpelling(w->stack.items[k - 1].cursor));
                    r.variable_key = link_key(w, w->stack.items[k - 1].cursor);
                    break;
                }
            }
            r.type_name = type_name(w, clang_getArrayElementType(list_type));
        }
    }
    if (param >= 0 && r.use == AL_USE_OTHER)
        return; /* a parameter tested or stored locally registers nothing */
    uint32_t loop;
    place(w, &r.block, &loop, NULL, &r.first_guard, &r.guard_count);
    AL_VEC_PUSH(w->tu->refs, r);
}

/* Whether a variable of type `t` holds functions: a function pointer, an array of them, or a
 * pointer to either. */
static bool holds_functions(CXType t)
{
    for (;;) {
        t = clang_getCanonicalType(t);
        if (t.kind == CXType_FunctionProto || t.kind == CXType_FunctionNoProto)
            return true;
        if (t.kind == CXType_Pointer)
            t = clang_getPointeeType(t);
        else if (t.kind == CXType_ConstantArray || t.kind == CXType_IncompleteArray)
            t = clang_getArrayElementType(t);
        else
            return false;
    }
}

/* `source` (on top of the ancestor stack, through casts, `&`, `*`, parentheses and subscripts of
 * it) copied into a variable: `cb_t *t = handlers;`, `t = &handlers;`, `cb_t f = handlers[i];`;
 * or, `source` a field, what a field holds copied into a variable or an array of them:
 * `fns[n++] = cfg->apply;` (a call through `fns[i]` may call what any store put into the field). */
static void record_alias(walker *w, CXCursor source)
{
    size_t j = w->stack.count - 1, child = j;
    while (j > 0 && (is_transparent(w->stack.items[j - 1].kind) ||
                     (w->stack.items[j - 1].kind == CXCursor_ArraySubscriptExpr && w->stack.items[j].index == 0)))
        child = --j;
    if (j == 0)
        return;
    const ancestor *user = &w->stack.items[j - 1];
    al_fact_alias a = {0, 0};
    if (user->kind == CXCursor_VarDecl && holds_functions(clang_getCursorType(user->cursor))) {
        a.variable_key = link_key(w, user->cursor);
    } else if (user->kind == CXCursor_BinaryOperator && w->stack.items[child].index == 1 &&
               clang_getCanonicalType(clang_getCursorType(user->cursor)).kind == CXType_Pointer &&
               holds_functions(clang_getCursorType(user->first_child))) {
        /* an assignment has its left side's pointer type; a comparison has type int */
        al_use_kind use;
        bool subscripted;
        designated_target(w, user->first_child, &use, &a.variable_key, &subscripted);
    }
    if (!a.variable_key)
        return;
    a.source_key = clang_getCursorKind(source) == CXCursor_FieldDecl ? field_key(w, source) : link_key(w, source);
    if (a.source_key != a.variable_key)
        AL_VEC_PUSH(w->tu->aliases, a);
}

/* The index of `parm` among the parameters of the function being walked, when its type can hold
 * a function (a function pointer, or void *); else -1. */
static int callback_parameter_index(walker *w, CXCursor parm)
{
    CXType t = clang_getCanonicalType(clang_getCursorType(parm));
    if (t.kind != CXType_Pointer)
        return -1;
    CXType pointee = clang_getCanonicalType(clang_getPointeeType(t));
    if (pointee.kind != CXType_FunctionProto && pointee.kind != CXType_FunctionNoProto && pointee.kind != CXType_Void)
        return -1;
    return parameter_index(w, parm);
}

/* The operator of a binary or unary operator cursor, as written: its first punctuation token after
 * `lhs` (a binary operator), else its first or last token (a prefix or postfix unary operator).
 * NULL when the tokens cannot say (code from a macro). Malloc'ed. */
static char *operator_spelling(walker *w, CXCursor op, CXCursor lhs)
{
    CXToken *tokens = NULL;
    unsigned n = 0;
    clang_tokenize(w->unit, clang_getCursorExtent(op), &tokens, &n);
    char *found = NULL;
    unsigned after = 0;
    if (!clang_Cursor_isNull(lhs))
        clang_getExpansionLocation(clang_getRangeEnd(clang_getCursorExtent(lhs)), NULL, NULL, NULL, &after);
    for (unsigned i = 0; i < n && !found; i++) {
        if (clang_getTokenKind(tokens[i]) != CXToken_Punctuation)
            continue;
        unsigned offset;
        clang_getExpansionLocation(clang_getTokenLocation(w->unit, tokens[i]), NULL, NULL, NULL, &offset);
        bool unary_edge = clang_Cursor_isNull(lhs) && (i == 0 || i + 1 == n);
        if ((!clang_Cursor_isNull(lhs) && offset >= after) || unary_edge) {
            CXString spelling = clang_getTokenSpelling(w->unit, tokens[i]);
            found = al_xstrdup(clang_getCString(spelling));
            clang_disposeString(spelling);
        }
    }
    if (tokens)
        clang_disposeTokens(w->unit, tokens, n);
    return found;
}

/* How the variable named on top of the ancestor stack is used: assigned (also through one of its
 * elements or members), incremented, its address taken, or only read. */
static al_var_use_kind variable_use_kind(walker *w)
{
    size_t j = w->stack.count - 1;
    while (j > 0) {
        enum CXCursorKind k = w->stack.items[j - 1].kind;
        bool operand = w->stack.items[j].index == 0;
        if (!(k == CXCursor_ParenExpr || k == CXCursor_UnexposedExpr || k == CXCursor_CStyleCastExpr ||
              ((k == CXCursor_ArraySubscriptExpr || k == CXCursor_MemberRefExpr) && operand)))
            break;
        j--;
    }
    /* `(void)table`, as an UNUSED() macro writes it: the only cast that throws the value away */
    for (size_t c = j; c < w->stack.count - 1; c++)
        if (w->stack.items[c].kind == CXCursor_CStyleCastExpr &&
            clang_getCursorType(w->stack.items[c].cursor).kind == CXType_Void)
            return AL_VAR_DISCARD;
    if (j == 0)
        return AL_VAR_READ;
    const ancestor *user = &w->stack.items[j - 1];
    bool left = w->stack.items[j].index == 0;
    if (user->kind == CXCursor_CompoundAssignOperator && left)
        return AL_VAR_WRITE;
    al_var_use_kind kind = AL_VAR_READ;
    if ((user->kind == CXCursor_BinaryOperator && left) || user->kind == CXCursor_UnaryOperator) {
        char *op = operator_spelling(
            w, user->cursor, user->kind == CXCursor_BinaryOperator ? w->stack.items[j].cursor : clang_getNullCursor());
        if (op && (strcmp(op, "=") == 0 || strcmp(op, "++") == 0 || strcmp(op, "--") == 0))
            kind = AL_VAR_WRITE;
        else if (op && strcmp(op, "&") == 0 && user->kind == CXCursor_UnaryOperator)
            kind = AL_VAR_ADDRESS;
        free(op);
    }
    return kind;
}

/* The type of a variable, an array as its element type: what a declaration and the definition of
 * one variable agree on (`extern struct cmd table[];` and `struct cmd table[240] = {...}`). */
static uint32_t variable_type(walker *w, CXCursor var)
{
    CXType t = clang_getCanonicalType(clang_getCursorType(var));
    while (t.kind == CXType_ConstantArray || t.kind == CXType_IncompleteArray)
        t = clang_getCanonicalType(clang_getArrayElementType(t));
    return intern_cxstring(w, clang_getTypeSpelling(t));
}

/* A use of a variable with static storage, each (function, variable, kind) once per unit. */
static void record_variable_use(walker *w, CXCursor var)
{
    al_fact_var_use use = {w->current_function, link_key(w, var), variable_use_kind(w), variable_type(w, var),
                           w->current_function ? 0 : w->holder};
    char id[64];
    snprintf(id, sizeof(id), "%u %u %d %u", use.function, use.variable, (int)use.kind, use.holder);
    uint32_t before = w->var_uses.count;
    al_strtab_intern(&w->var_uses, id);
    if (w->var_uses.count != before)
        AL_VEC_PUSH(w->tu->var_uses, use);
}

/* A variable with static storage defined here, with its value when it is an integer constant. */
static void record_variable(walker *w, CXCursor var)
{
    al_fact_variable v = {0};
    v.key = link_key(w, var);
    v.name = intern_cxstring(w, clang_getCursorSpelling(var));
    v.loc = cursor_location(w, var);
    v.type = variable_type(w, var);
    CXCursor init = clang_Cursor_getVarDeclInitializer(var);
    if (clang_Cursor_isNull(init)) {
        v.has_value = true; /* static storage starts at zero */
    } else {
        CXEvalResult r = clang_Cursor_Evaluate(init);
        if (r) {
            if (clang_EvalResult_getKind(r) == CXEval_Int) {
                v.has_value = true;
                v.value = clang_EvalResult_getAsLongLong(r);
            }
            clang_EvalResult_dispose(r);
        }
    }
    AL_VEC_PUSH(w->tu->variables, v);
}

/* ---- where a call runs: its block, its loop, and the conditions it runs under ----
 *
 * The ancestors of the current cursor say it: each if, ?:, && and || whose branch we are in adds
 * the guards of its condition (held in the first branch, broken in the second); each switch case
 * label adds subject == value; each earlier statement of a block that left it early (`if (pid !=
 * 0) return;`) adds its condition broken. Conditions are read into guards only as far as they are
 * plain (a variable, a parameter, a field, a call's result, compared with a constant or a
 * function, tested for truth or for bits): a guard is a necessary condition, so what is not read
 * is simply left out. An if whose condition is an integer constant never runs one branch, which is
 * not walked at all (its calls and registrations do not exist). */

static bool is_label(enum CXCursorKind k)
{
    return k == CXCursor_CaseStmt || k == CXCursor_DefaultStmt;
}

static bool is_loop(enum CXCursorKind k)
{
    return k == CXCursor_WhileStmt || k == CXCursor_ForStmt || k == CXCursor_DoStmt;
}

/* The parameter index of `parm` in the function being walked, whatever its type; -1 if none. */
static int parameter_index(walker *w, CXCursor parm)
{
    CXCursor fn = w->stack.items[0].cursor;
    int n = clang_Cursor_getNumArguments(fn);
    for (int i = 0; i < n; i++)
        if (clang_equalCursors(clang_Cursor_getArgument(fn, (unsigned)i), parm))
            return i;
    return -1;
}

/* What a condition tests: a variable, a parameter, a field or a call's result; false otherwise. */
static bool guard_subject(walker *w, CXCursor e, al_fact_guard *g)
{
    e = strip(e);
    enum CXCursorKind k = clang_getCursorKind(e);
    if (k == CXCursor_BinaryOperator) { /* `(pid = fork())`: what was assigned */
        char *op = operator_spelling(w, e, first_child(e));
        bool assignment = op && strcmp(op, "=") == 0;
        free(op);
        return assignment && guard_subject(w, first_child(e), g);
    }
    CXCursor ref = clang_getCursorReferenced(e);
    enum CXCursorKind r = clang_getCursorKind(ref);
    if (k == CXCursor_DeclRefExpr && r == CXCursor_VarDecl) {
        bool global = clang_Cursor_hasVarDeclGlobalStorage(ref) == 1;
        g->subject_kind = global ? AL_GUARD_GLOBAL : AL_GUARD_LOCAL;
        g->subject = global ? link_key(w, ref) : intern_cxstring(w, clang_getCursorSpelling(ref));
        return true;
    }
    if (k == CXCursor_DeclRefExpr && r == CXCursor_ParmDecl && w->current_function) {
        g->subject_kind = AL_GUARD_PARAM;
        g->param = parameter_index(w, ref);
        return g->param >= 0;
    }
    if (k == CXCursor_MemberRefExpr && r == CXCursor_FieldDecl) {
        g->subject_kind = AL_GUARD_FIELD;
        g->subject = field_key(w, ref);
        return true;
    }
    if (k == CXCursor_CallExpr && r == CXCursor_FunctionDecl) {
        g->subject_kind = AL_GUARD_CALL;
        g->subject = function_key(w, ref);
        return true;
    }
    return false;
}

/* An integer constant (or a null pointer, or a function, in value_key); false when `e` is none. */
static bool guard_value(walker *w, CXCursor e, al_fact_guard *g)
{
    CXCursor s = strip(e);
    CXCursor ref = clang_getCursorReferenced(s);
    if (clang_getCursorKind(s) == CXCursor_DeclRefExpr && clang_getCursorKind(ref) == CXCursor_FunctionDecl) {
        g->value_key = function_key(w, ref);
        return true;
    }
    for (int pass = 0; pass < 2; pass++) { /* NULL is ((void *)0): fold the inside too */
        CXEvalResult r = clang_Cursor_Evaluate(pass ? s : e);
        bool found = r && clang_EvalResult_getKind(r) == CXEval_Int;
        if (found)
            g->value = clang_EvalResult_getAsLongLong(r);
        if (r)
            clang_EvalResult_dispose(r);
        if (found)
            return true;
    }
    return false;
}

static al_guard_op negated(al_guard_op op)
{
    static const al_guard_op opposite[] = {AL_GUARD_NE,         AL_GUARD_EQ,      AL_GUARD_GE,    AL_GUARD_GT,
                                           AL_GUARD_LE,         AL_GUARD_LT,      AL_GUARD_FALSE, AL_GUARD_TRUE,
                                           AL_GUARD_BITS_CLEAR, AL_GUARD_BITS_SET};
    return opposite[op];
}

static al_guard_op swapped(al_guard_op op) /* `0 == pid` is `pid == 0` */
{
    return op == AL_GUARD_LT   ? AL_GUARD_GT
           : op == AL_GUARD_GT ? AL_GUARD_LT
           : op == AL_GUARD_LE ? AL_GUARD_GE
           : op == AL_GUARD_GE ? AL_GUARD_LE
                               : op;
}

/* The children of `c`, up to `max` of them: how many there are. */
typedef struct children {
    CXCursor items[3];
    unsigned count;
} children;

static enum CXChildVisitResult collect_child(CXCursor c, CXCursor parent, CXClientData data)
{
    (void)parent;
    children *ch = data;
    if (ch->count < 3)
        ch->items[ch->count] = c;
    ch->count++;
    return ch->count < 3 ? CXChildVisit_Continue : CXChildVisit_Break;
}

static children children_of(CXCursor c)
{
    children ch = {{{0}}, 0};
    clang_visitChildren(c, collect_child, &ch);
    return ch;
}

/* The guards that hold when `e` is true (when `holds`) or false (otherwise), added to the pool. */
static void read_condition(walker *w, CXCursor e, bool holds)
{
    e = strip(e);
    enum CXCursorKind k = clang_getCursorKind(e);
    if (k == CXCursor_UnaryOperator) {
        char *op = operator_spelling(w, e, clang_getNullCursor());
        if (op && strcmp(op, "!") == 0)
            read_condition(w, first_child(e), !holds);
        free(op);
        return;
    }
    al_fact_guard g = {0};
    if (k == CXCursor_BinaryOperator) {
        children ch = children_of(e);
        if (ch.count != 2)
            return;
        char *op = operator_spelling(w, e, ch.items[0]);
        static const char *const compare[] = {"==", "!=", "<", "<=", ">", ">="};
        int cmp = -1;
        for (int i = 0; op && i < 6; i++)
            if (strcmp(op, compare[i]) == 0)
                cmp = i;
        if (op && strcmp(op, holds ? "&&" : "||") == 0) { /* both sides hold (or both fail) */
            read_condition(w, ch.items[0], holds);
            read_condition(w, ch.items[1], holds);
        } else if (cmp >= 0) {
            al_guard_op ops[] = {AL_GUARD_EQ, AL_GUARD_NE, AL_GUARD_LT, AL_GUARD_LE, AL_GUARD_GT, AL_GUARD_GE};
            al_fact_guard v = {0};
            if (guard_subject(w, ch.items[0], &g) && guard_value(w, ch.items[1], &v)) {
                g.op = ops[cmp];
            } else if (guard_subject(w, ch.items[1], &g) && guard_value(w, ch.items[0], &v)) {
                g.op = swapped(ops[cmp]);
            } else {
                free(op);
                return;
            }
            g.value = v.value;
            g.value_key = v.value_key;
            if (g.value_key && g.op != AL_GUARD_EQ && g.op != AL_GUARD_NE) {
                free(op);
                return; /* a function is only compared for equality */
            }
            g.op = holds ? g.op : negated(g.op);
            AL_VEC_PUSH(w->pool, g);
        } else if (op && strcmp(op, "&") == 0) {
            al_fact_guard v = {0};
            if (guard_subject(w, ch.items[0], &g) && guard_value(w, ch.items[1], &v) && !v.value_key) {
                g.op = holds ? AL_GUARD_BITS_SET : AL_GUARD_BITS_CLEAR;
                g.value = v.value;
                AL_VEC_PUSH(w->pool, g);
            }
        } else if (op && strcmp(op, "=") == 0 && guard_subject(w, e, &g)) {
            g.op = holds ? AL_GUARD_TRUE : AL_GUARD_FALSE;
            AL_VEC_PUSH(w->pool, g);
        }
        free(op);
        return;
    }
    if (guard_subject(w, e, &g)) {
        g.op = holds ? AL_GUARD_TRUE : AL_GUARD_FALSE;
        AL_VEC_PUSH(w->pool, g);
    }
}

/* The guards of a condition, held and broken, into the entry (ids in the pool). */
static void read_branches(walker *w, ancestor *entry, CXCursor condition)
{
    entry->held_first = (uint32_t)w->pool.count;
    read_condition(w, condition, true);
    entry->held_count = (uint32_t)w->pool.count - entry->held_first;
    entry->broken_first = (uint32_t)w->pool.count;
    read_condition(w, condition, false);
    entry->broken_count = (uint32_t)w->pool.count - entry->broken_first;
}

static enum CXChildVisitResult last_child_visitor(CXCursor c, CXCursor parent, CXClientData data)
{
    (void)parent;
    *(CXCursor *)data = c;
    return CXChildVisit_Continue;
}

/* Whether statement `s` always leaves its block: a return, break or continue, or a block ending in
 * one (a call that never returns is the programs stage's business: that takes the rules). */
static bool leaves_block(CXCursor s)
{
    for (int depth = 0; depth < 64; depth++) {
        enum CXCursorKind k = clang_getCursorKind(s);
        if (k == CXCursor_ReturnStmt || k == CXCursor_BreakStmt || k == CXCursor_ContinueStmt || k == CXCursor_GotoStmt)
            return true;
        if (k == CXCursor_CaseStmt || k == CXCursor_DefaultStmt) {
            children ch = children_of(s);
            if (ch.count == 0)
                return false;
            s = ch.items[ch.count - 1];
            continue;
        }
        if (k != CXCursor_CompoundStmt)
            return false;
        CXCursor last = clang_getNullCursor();
        clang_visitChildren(s, last_child_visitor, &last);
        if (clang_Cursor_isNull(last))
            return false;
        s = last;
    }
    return false;
}

/* The stack position of the innermost block below position `below`, or SIZE_MAX. */
static size_t innermost_block_below(const walker *w, size_t below)
{
    for (size_t j = below; j-- > 0;)
        if (w->stack.items[j].block)
            return j;
    return SIZE_MAX;
}

static uint32_t innermost_block(const walker *w)
{
    size_t at = innermost_block_below(w, w->stack.count);
    return at == SIZE_MAX ? 0 : w->stack.items[at].block;
}

/* The position, in the block opened at stack position `at`, of the statement on the stack above
 * it: its index among a compound statement's children; 0 in a branch written without braces (the
 * block is that one statement). */
static uint32_t position_in_block(const walker *w, size_t at)
{
    if (at == SIZE_MAX || at + 1 >= w->stack.count || w->stack.items[at].kind != CXCursor_CompoundStmt)
        return 0;
    return w->stack.items[at + 1].index;
}

/* A return or a goto on top of the stack: every block around it has a statement, at this
 * position, after which the function may be left (so what precedes it is no crash path). */
static void mark_exit(walker *w)
{
    for (size_t j = w->stack.count; j-- > 0;) {
        const ancestor *a = &w->stack.items[j];
        uint32_t mark = position_in_block(w, j) + 1;
        if (a->block && w->tu->blocks.items[a->block - 1].last_exit < mark)
            w->tu->blocks.items[a->block - 1].last_exit = mark;
        if (a->body_block && w->tu->blocks.items[a->body_block - 1].last_exit < mark)
            w->tu->blocks.items[a->body_block - 1].last_exit = mark;
    }
}

/* A label on top of the stack: a block around it has a statement, at this position, where a jump
 * may enter it (so what its earlier statements did may not have run). A goto label: every block
 * around it; a case label (`innermost`): only the switch's body. */
static void mark_label(walker *w, bool innermost)
{
    for (size_t j = w->stack.count; j-- > 0;) {
        uint32_t block = w->stack.items[j].block;
        if (!block)
            continue;
        while (w->block_labels.count < block)
            AL_VEC_PUSH(w->block_labels, 0);
        w->block_labels.items[block - 1] = position_in_block(w, j) + 1;
        if (innermost)
            return;
    }
}

static uint32_t innermost_loop(const walker *w)
{
    for (size_t j = w->stack.count; j-- > 0;)
        if (w->stack.items[j].loop)
            return w->stack.items[j].loop;
    return 0;
}

/* Whether child `index` of a statement of kind `parent` is a body: a branch of an if, the body of
 * a while or a do (a for's body is known here only when braced). */
static bool is_body(enum CXCursorKind parent, unsigned index)
{
    return (parent == CXCursor_IfStmt && index >= 1) || (parent == CXCursor_WhileStmt && index == 1) ||
           (parent == CXCursor_DoStmt && index == 0);
}

/* `r->fp = fp;`, `g_fd = fd;`: a parameter, or a local (`c->fd = fd;` after `fd = open(...)`),
 * stored into a field or a variable with static storage. */
static void record_store(walker *w, CXCursor left, CXCursor right)
{
    CXCursor value = strip(right), place = strip(left);
    CXCursor var = clang_getCursorReferenced(value);
    if (clang_getCursorKind(value) != CXCursor_DeclRefExpr || !w->current_function)
        return;
    int param = -1;
    uint32_t local = 0;
    if (clang_getCursorKind(var) == CXCursor_ParmDecl) {
        param = parameter_index(w, var);
        if (param < 0)
            return;
    } else if (clang_getCursorKind(var) == CXCursor_VarDecl && clang_Cursor_hasVarDeclGlobalStorage(var) == 0) {
        local = intern_cxstring(w, clang_getCursorSpelling(var));
    } else {
        return;
    }
    CXCursor target = clang_getCursorReferenced(place);
    al_fact_store st = {w->current_function, 0, param, local};
    if (clang_getCursorKind(place) == CXCursor_MemberRefExpr && clang_getCursorKind(target) == CXCursor_FieldDecl)
        st.target = field_key(w, target);
    else if (clang_getCursorKind(place) == CXCursor_DeclRefExpr && clang_getCursorKind(target) == CXCursor_VarDecl &&
             clang_Cursor_hasVarDeclGlobalStorage(target) == 1)
        st.target = link_key(w, target);
    if (st.target)
        AL_VEC_PUSH(w->tu->stores, st);
}

/* The descriptor an object is set up from: a variable with static storage of a structure type
 * (`file_ops`), or with `address`, the address of one (`&hash_type`); its link key, else 0. */
static uint32_t descriptor_key(walker *w, CXCursor value, bool address)
{
    value = strip(value);
    CXCursor var;
    if (address) {
        if (clang_getCursorKind(value) != CXCursor_UnaryOperator)
            return 0;
        var = address_of_variable(value);
    } else {
        var = clang_getCursorKind(value) == CXCursor_DeclRefExpr ? clang_getCursorReferenced(value)
                                                                 : clang_getNullCursor();
    }
    if (clang_getCursorKind(var) != CXCursor_VarDecl || clang_Cursor_hasVarDeclGlobalStorage(var) != 1 ||
        clang_getCanonicalType(clang_getCursorType(var)).kind != CXType_Record)
        return 0;
    return link_key(w, var);
}

/* `*r = file_ops;`, `r->type = &hash_type;`, `io = file_ops;`: a parameter or local set up from a
 * descriptor (al_fact_install). */
static void record_install(walker *w, CXCursor left, CXCursor right)
{
    CXCursor place = strip(left);
    enum CXCursorKind kind = clang_getCursorKind(place);
    al_fact_install in = {w->current_function, -1, 0, 0, 0};
    bool held = false;
    if (kind == CXCursor_MemberRefExpr) {
        CXCursor field = clang_getCursorReferenced(place);
        if (clang_getCursorKind(field) != CXCursor_FieldDecl)
            return;
        in.field = field_key(w, field);
        held = holder_of(w, strip(first_child(place)), &in.param, &in.local);
    } else if (kind == CXCursor_UnaryOperator) { /* `*r`: the operand points to what it designates */
        CXCursor operand = strip(first_child(place));
        CXType type = clang_getCanonicalType(clang_getCursorType(operand));
        held = type.kind == CXType_Pointer &&
               clang_equalTypes(clang_getCanonicalType(clang_getPointeeType(type)),
                                clang_getCanonicalType(clang_getCursorType(place))) &&
               holder_of(w, operand, &in.param, &in.local);
    } else if (kind == CXCursor_DeclRefExpr) {
        held = holder_of(w, place, &in.param, &in.local) && in.local;
    }
    if (!held)
        return;
    in.descriptor = descriptor_key(w, right, in.field != 0);
    if (in.descriptor)
        AL_VEC_PUSH(w->tu->installs, in);
}

/* Whether a do statement's condition is the constant 0: `do { ... } while (0)`, a macro's body. */
static bool runs_once(const ancestor *entry)
{
    children ch = children_of(entry->cursor);
    if (ch.count != 2)
        return false;
    CXEvalResult r = clang_Cursor_Evaluate(ch.items[1]);
    bool zero = r && clang_EvalResult_getKind(r) == CXEval_Int && clang_EvalResult_getAsLongLong(r) == 0;
    if (r)
        clang_EvalResult_dispose(r);
    return zero;
}

/* Called for each cursor pushed on the stack: opens blocks and loops, reads conditions, follows
 * switch labels and early exits. False when the cursor is a branch that never runs: skip it. */
static bool flow_push(walker *w, ancestor *entry)
{
    entry->pool_mark = (uint32_t)w->pool.count;
    entry->sticky_mark = (uint32_t)w->sticky.count;
    entry->dead_child = -1;
    if (w->stack.count < 2 || !w->current_function)
        return true;
    ancestor *parent = &w->stack.items[w->stack.count - 2];
    if (parent->kind == CXCursor_IfStmt && parent->dead_child == (int)entry->index)
        return false;
    /* a statement of a switch body: its segment's label */
    if (parent->kind == CXCursor_CompoundStmt && w->stack.count >= 3 &&
        w->stack.items[w->stack.count - 3].kind == CXCursor_SwitchStmt) {
        const ancestor *sw = &w->stack.items[w->stack.count - 3];
        if (is_label(entry->kind)) {
            /* a jump lands here: the early exits of the segments before it do not guard it, and
             * it starts a segment of its own (a block inside the body) */
            w->sticky.count = parent->sticky_mark;
            entry->sticky_mark = parent->sticky_mark;
            if (!parent->body_block)
                parent->body_block = parent->block;
            al_fact_block segment = {parent->body_block, w->current_function, false, entry->index, 0};
            AL_VEC_PUSH(w->tu->blocks, segment);
            parent->block = (uint32_t)w->tu->blocks.count;
            /* known only when nothing falls into it: the previous segment left, or there is none */
            bool fresh = entry->index == 0 || leaves_block(parent->previous);
            parent->label_known = false;
            if (entry->kind == CXCursor_CaseStmt && sw->switch_known && fresh) {
                children ch = children_of(entry->cursor);
                al_fact_guard v = {0};
                bool single = ch.count >= 2 && !is_label(clang_getCursorKind(ch.items[1]));
                if (single && guard_value(w, ch.items[0], &v) && !v.value_key) {
                    parent->label_guard = sw->switch_subject;
                    parent->label_guard.op = AL_GUARD_EQ;
                    parent->label_guard.value = v.value;
                    parent->label_known = true;
                }
            }
        }
        entry->case_known = parent->label_known;
        entry->case_guard = parent->label_guard;
    }
    if (parent->kind == CXCursor_CompoundStmt)
        parent->previous = entry->cursor;
    /* blocks: compound statements, and branches and loop bodies written without braces */
    if (entry->kind == CXCursor_CompoundStmt || is_body(parent->kind, entry->index)) {
        size_t around = innermost_block_below(w, w->stack.count - 1);
        al_fact_block b = {around == SIZE_MAX ? 0 : w->stack.items[around].block, w->current_function,
                           entry->kind == CXCursor_CompoundStmt && parent->kind == CXCursor_SwitchStmt,
                           position_in_block(w, around), 0};
        AL_VEC_PUSH(w->tu->blocks, b);
        entry->block = (uint32_t)w->tu->blocks.count;
    }
    if (entry->kind == CXCursor_ReturnStmt || entry->kind == CXCursor_GotoStmt ||
        entry->kind == CXCursor_IndirectGotoStmt)
        mark_exit(w);
    if (entry->kind == CXCursor_LabelStmt || is_label(entry->kind))
        mark_label(w, entry->kind != CXCursor_LabelStmt);
    if (is_loop(entry->kind)) {
        al_fact_loop l = {innermost_loop(w), w->current_function, entry->kind == CXCursor_DoStmt && runs_once(entry)};
        AL_VEC_PUSH(w->tu->loops, l);
        entry->loop = (uint32_t)w->tu->loops.count;
    }
    switch (entry->kind) {
    case CXCursor_IfStmt:
    case CXCursor_ConditionalOperator: {
        children ch = children_of(entry->cursor);
        if (ch.count == 0)
            break;
        CXEvalResult r = entry->kind == CXCursor_IfStmt ? clang_Cursor_Evaluate(ch.items[0]) : NULL;
        if (r && clang_EvalResult_getKind(r) == CXEval_Int)
            entry->dead_child = clang_EvalResult_getAsLongLong(r) ? 2 : 1;
        if (r)
            clang_EvalResult_dispose(r);
        read_branches(w, entry, ch.items[0]);
        /* `if (cond) return;` with no else: the statements after it run with cond broken (also
         * when it is the first statement after a case label: `case 1: if (!x) break; ...`) */
        size_t holder = w->stack.count - 2;
        unsigned from = entry->index;
        while (holder > 0 && is_label(w->stack.items[holder].kind))
            from = w->stack.items[holder--].index;
        if (entry->kind == CXCursor_IfStmt && ch.count == 2 && w->stack.items[holder].kind == CXCursor_CompoundStmt &&
            leaves_block(ch.items[1])) {
            for (uint32_t i = 0; i < entry->broken_count; i++) {
                sticky_guard sg = {w->pool.items[entry->broken_first + i], from};
                AL_VEC_PUSH(w->sticky, sg); /* kept until the block ends */
            }
        }
        break;
    }
    case CXCursor_BinaryOperator: {
        children ch = children_of(entry->cursor);
        char *op = ch.count == 2 ? operator_spelling(w, entry->cursor, ch.items[0]) : NULL;
        if (op && strcmp(op, "=") == 0) {
            record_store(w, ch.items[0], ch.items[1]);
            record_install(w, ch.items[0], ch.items[1]);
            note_field_store(w, ch.items[0], ch.items[1]);
        }
        if (op && (strcmp(op, "&&") == 0 || strcmp(op, "||") == 0)) {
            entry->is_logical = true;
            read_branches(w, entry, ch.items[0]);
            if (strcmp(op, "||") == 0) { /* the right side runs when the left is false */
                uint32_t first = entry->held_first, count = entry->held_count;
                entry->held_first = entry->broken_first;
                entry->held_count = entry->broken_count;
                entry->broken_first = first;
                entry->broken_count = count;
            }
        }
        free(op);
        break;
    }
    case CXCursor_SwitchStmt: {
        children ch = children_of(entry->cursor);
        entry->switch_known = ch.count > 0 && guard_subject(w, ch.items[0], &entry->switch_subject);
        break;
    }
    case CXCursor_ReturnStmt: { /* `return fd;`: which local, static variable or field it returns */
        if (w->tu->functions.count && w->tu->functions.items[w->tu->functions.count - 1].key == w->current_function)
            w->tu->functions.items[w->tu->functions.count - 1].returns = true;
        children ch = children_of(entry->cursor);
        CXCursor value = ch.count ? strip(ch.items[0]) : clang_getNullCursor();
        enum CXCursorKind value_kind = clang_getCursorKind(value);
        if (value_kind != CXCursor_DeclRefExpr && value_kind != CXCursor_MemberRefExpr)
            break;
        CXCursor ref = clang_getCursorReferenced(value);
        al_fact_return ret = {w->current_function, 0, 0};
        if (clang_getCursorKind(ref) == CXCursor_FieldDecl)
            ret.target = field_key(w, ref);
        else if (clang_getCursorKind(ref) == CXCursor_VarDecl && clang_Cursor_hasVarDeclGlobalStorage(ref) == 1)
            ret.target = link_key(w, ref);
        else if (clang_getCursorKind(ref) == CXCursor_VarDecl)
            ret.variable = intern_cxstring(w, clang_getCursorSpelling(ref));
        if (ret.variable || ret.target)
            AL_VEC_PUSH(w->tu->returns, ret);
        break;
    }
    default:
        break;
    }
    return true;
}

/* Called for each cursor popped off the stack: what it put in the pool and the sticky list goes. */
static void flow_pop(walker *w, const ancestor *entry)
{
    if (w->pool.count > entry->pool_mark)
        w->pool.count = entry->pool_mark;
    if (entry->kind == CXCursor_CompoundStmt && w->sticky.count > entry->sticky_mark)
        w->sticky.count = entry->sticky_mark;
}

/* The block, loop and guards of the cursor on top of the stack (a call or a reference). */
static void place(walker *w, uint32_t *block, uint32_t *loop, uint32_t *position, uint32_t *first_guard,
                  uint32_t *guard_count)
{
    size_t at = innermost_block_below(w, w->stack.count);
    *block = at == SIZE_MAX ? 0 : w->stack.items[at].block;
    *loop = innermost_loop(w);
    if (position)
        *position = position_in_block(w, at);
    *first_guard = (uint32_t)w->tu->guards.count;
    for (size_t j = w->stack.count - 1; j > 0; j--) {
        const ancestor *child = &w->stack.items[j], *parent = &w->stack.items[j - 1];
        bool branch =
            parent->kind == CXCursor_IfStmt || parent->kind == CXCursor_ConditionalOperator || parent->is_logical;
        if (branch && child->index >= 1) {
            bool held = child->index == 1;
            uint32_t first = held ? parent->held_first : parent->broken_first;
            uint32_t count = held ? parent->held_count : parent->broken_count;
            for (uint32_t i = 0; i < count; i++)
                AL_VEC_PUSH(w->tu->guards, w->pool.items[first + i]);
        }
        if (parent->kind == CXCursor_CompoundStmt) {
            for (uint32_t i = parent->sticky_mark; i < w->sticky.count; i++)
                if (w->sticky.items[i].from < child->index)
                    AL_VEC_PUSH(w->tu->guards, w->sticky.items[i].guard);
        }
        if (child->case_known)
            AL_VEC_PUSH(w->tu->guards, child->case_guard);
    }
    *guard_count = (uint32_t)w->tu->guards.count - *first_guard;
}

/* Whether the call on top of the stack is a statement of its own: `abort();`, `(void)exit(1);`. */
/* Whether the expression at stack index j (through parentheses and casts) is a whole statement of
 * its block, or a branch or loop body. */
static bool statement_at(walker *w, size_t j)
{
    while (j > 0 &&
           (w->stack.items[j - 1].kind == CXCursor_ParenExpr || w->stack.items[j - 1].kind == CXCursor_CStyleCastExpr ||
            w->stack.items[j - 1].kind == CXCursor_UnexposedExpr))
        j--;
    if (j == 0)
        return false;
    enum CXCursorKind user = w->stack.items[j - 1].kind;
    return user == CXCursor_CompoundStmt || is_label(user) || is_body(user, w->stack.items[j].index);
}

/* Whether the call on top of the stack is a whole statement, or the left operand of a comma
 * operator that is one (`_panic(...), __builtin_unreachable();`, a panic macro's expansion). */
static bool is_statement(walker *w)
{
    size_t j = w->stack.count - 1;
    if (statement_at(w, j))
        return true;
    while (j > 0 && is_transparent(w->stack.items[j - 1].kind))
        j--;
    if (j == 0 || w->stack.items[j - 1].kind != CXCursor_BinaryOperator || w->stack.items[j].index != 0 ||
        clang_getCursorType(w->stack.items[j].cursor).kind != CXType_Void)
        return false; /* only the comma operator takes a void left operand */
    return statement_at(w, j - 1);
}

/* The call on top of the stack is the left operand of a comma operator whose right operand is a
 * direct call: that callee's name (`(_assert_fail(...), __builtin_unreachable())`), else 0. */
static uint32_t comma_successor(walker *w)
{
    size_t j = w->stack.count - 1;
    while (j > 0 && is_transparent(w->stack.items[j - 1].kind))
        j--;
    if (j == 0 || w->stack.items[j - 1].kind != CXCursor_BinaryOperator || w->stack.items[j].index != 0)
        return 0;
    const ancestor *user = &w->stack.items[j - 1];
    /* only the comma operator takes a void operand; in a macro's expansion (an assertion) the
     * operator's token cannot be read back, so the void call is what tells */
    bool comma = clang_getCursorType(w->stack.items[j].cursor).kind == CXType_Void;
    if (!comma) {
        char *op = operator_spelling(w, user->cursor, w->stack.items[j].cursor);
        comma = op && strcmp(op, ",") == 0;
        free(op);
    }
    if (!comma)
        return 0;
    children ch = children_of(user->cursor);
    CXCursor next = ch.count == 2 ? strip(ch.items[1]) : clang_getNullCursor();
    if (clang_getCursorKind(next) != CXCursor_CallExpr)
        return 0;
    CXCursor callee = clang_getCursorReferenced(next);
    if (clang_getCursorKind(callee) != CXCursor_FunctionDecl)
        return 0;
    return intern_cxstring(w, clang_getCursorSpelling(callee));
}

static enum CXChildVisitResult body_visitor(CXCursor c, CXCursor parent, CXClientData data)
{
    walker *w = data;
    /* keep the stack equal to the ancestors of c */
    while (w->stack.count > 0 && !clang_equalCursors(w->stack.items[w->stack.count - 1].cursor, parent))
        flow_pop(w, &w->stack.items[--w->stack.count]);
    ancestor entry = {0};
    entry.cursor = c;
    entry.kind = clang_getCursorKind(c);
    entry.first_child = clang_getNullCursor();
    entry.previous = clang_getNullCursor();
    if (w->stack.count > 0) {
        ancestor *p = &w->stack.items[w->stack.count - 1];
        entry.index = p->child_count++;
        if (entry.index == 0)
            p->first_child = c;
    }
    AL_VEC_PUSH(w->stack, entry);
    if (!flow_push(w, &w->stack.items[w->stack.count - 1]))
        return CXChildVisit_Continue; /* a branch that never runs */

    switch (entry.kind) {
    case CXCursor_CallExpr:
        record_call(w, c);
        break;
    case CXCursor_DeclRefExpr: {
        CXCursor ref = clang_getCursorReferenced(c);
        enum CXCursorKind kind = clang_getCursorKind(ref);
        if (kind == CXCursor_FunctionDecl) {
            record_reference(w, c, ref, -1);
        } else if (kind == CXCursor_ParmDecl && w->current_function) {
            int param = callback_parameter_index(w, ref);
            if (param >= 0)
                record_reference(w, c, clang_getNullCursor(), param);
        } else if (kind == CXCursor_VarDecl) {
            if (holds_functions(clang_getCursorType(ref)))
                record_alias(w, ref);
            if (clang_Cursor_hasVarDeclGlobalStorage(ref) == 1)
                record_variable_use(w, ref);
            else if (w->current_function && variable_use_kind(w) != AL_VAR_READ)
                local_of(w, ref)->written = true;
        }
        break;
    }
    case CXCursor_MemberRefExpr: { /* a function pointer field read, maybe to be copied into a variable */
        CXCursor field = clang_getCursorReferenced(c);
        if (clang_getCursorKind(field) == CXCursor_FieldDecl && holds_functions(clang_getCursorType(field)))
            record_alias(w, field);
        break;
    }
    case CXCursor_VarDecl: /* a static local, or a local whose value a guard may test */
        if (w->current_function && clang_Cursor_hasVarDeclGlobalStorage(c) == 1 && clang_isCursorDefinition(c))
            record_variable(w, c);
        else if (w->current_function)
            declare_local(w, c);
        break;
    default:
        break;
    }
    return CXChildVisit_Recurse;
}

static local_state *local_of(walker *w, CXCursor var)
{
    CXString name = clang_getCursorSpelling(var);
    uint32_t id = al_strtab_intern(&w->locals, clang_getCString(name) ? clang_getCString(name) : "");
    clang_disposeString(name);
    while (w->local_states.count <= id) { /* ids are dense (0 is the empty string) */
        local_state fresh = {0, false, false, 0, 0};
        AL_VEC_PUSH(w->local_states, fresh);
    }
    return &w->local_states.items[id];
}

static void declare_local(walker *w, CXCursor var)
{
    local_state *l = local_of(w, var);
    l->declarations++;
    CXCursor init = clang_Cursor_getVarDeclInitializer(var);
    if (!clang_Cursor_isNull(init) && clang_getCanonicalType(clang_getCursorType(var)).kind == CXType_Record) {
        al_fact_install in = {w->current_function, -1, intern_cxstring(w, clang_getCursorSpelling(var)), 0,
                              descriptor_key(w, init, false)};
        if (in.descriptor) /* `rio r = file_ops;` */
            AL_VEC_PUSH(w->tu->installs, in);
    }
    CXEvalResult r = clang_Cursor_isNull(init) ? NULL : clang_Cursor_Evaluate(init);
    l->has_value = r && clang_EvalResult_getKind(r) == CXEval_Int;
    if (l->has_value)
        l->value = clang_EvalResult_getAsLongLong(r);
    if (r)
        clang_EvalResult_dispose(r);
}

/* After a function's body: its guards on a local that holds one constant all along become guards
 * on that constant, which the programs stage can fold like a static variable's. */
static void fix_local_guards(walker *w, size_t first_guard)
{
    for (size_t i = first_guard; i < w->tu->guards.count; i++) {
        al_fact_guard *g = &w->tu->guards.items[i];
        if (g->subject_kind != AL_GUARD_LOCAL)
            continue;
        uint32_t id = al_strtab_find(&w->locals, al_str(&w->tu->strings, g->subject));
        const local_state *l = id < w->local_states.count ? &w->local_states.items[id] : NULL;
        if (l && l->declarations == 1 && l->has_value && !l->written) {
            g->subject_kind = AL_GUARD_FIXED;
            g->fixed = l->value;
        }
    }
}

static void walk_subtree(walker *w, CXCursor root)
{
    w->stack.count = 0;
    w->pool.count = 0;
    w->sticky.count = 0;
    ancestor entry = {0};
    entry.cursor = root;
    entry.kind = clang_getCursorKind(root);
    entry.first_child = clang_getNullCursor();
    entry.previous = clang_getNullCursor();
    AL_VEC_PUSH(w->stack, entry);
    clang_visitChildren(root, body_visitor, w);
}

/* Whether an attribute cursor says `a` or `b`: C11's `_Noreturn` (GNU's noreturn is in the function's type),
 * `constructor`. */
static bool attribute_says(CXTranslationUnit unit, CXCursor attr, const char *a, const char *b)
{
    CXToken *tokens = NULL;
    unsigned n = 0;
    clang_tokenize(unit, clang_getCursorExtent(attr), &tokens, &n);
    bool found = false;
    for (unsigned i = 0; i < n && !found; i++) {
        CXString s = clang_getTokenSpelling(unit, tokens[i]);
        found = strcmp(clang_getCString(s), a) == 0 || strcmp(clang_getCString(s), b) == 0;
        clang_disposeString(s);
    }
    if (tokens)
        clang_disposeTokens(unit, tokens, n);
    return found;
}

typedef struct annotation_scan {
    CXTranslationUnit unit;
    unsigned flags;
} annotation_scan;

static enum CXChildVisitResult annotation_visitor(CXCursor c, CXCursor parent, CXClientData data)
{
    (void)parent;
    if (clang_getCursorKind(c) == CXCursor_UnexposedAttr) {
        annotation_scan *scan = data;
        if (attribute_says(scan->unit, c, "_Noreturn", "noreturn"))
            scan->flags |= AL_ANNOT_NORETURN;
        if (attribute_says(scan->unit, c, "constructor", "__constructor__"))
            scan->flags |= AL_ANNOT_CONSTRUCTOR;
    } else if (clang_getCursorKind(c) == CXCursor_AnnotateAttr) {
        CXString s = clang_getCursorSpelling(c);
        const char *text = clang_getCString(s);
        unsigned *flags = &((annotation_scan *)data)->flags;
        if (text && strcmp(text, "asynclock:handler") == 0)
            *flags |= AL_ANNOT_HANDLER;
        else if (text && strcmp(text, "asynclock:blocking") == 0)
            *flags |= AL_ANNOT_BLOCKING;
        else if (text && strcmp(text, "asynclock:nonblocking") == 0)
            *flags |= AL_ANNOT_NONBLOCKING;
        clang_disposeString(s);
    }
    return CXChildVisit_Continue;
}

static void record_function(walker *w, CXCursor fn)
{
    annotation_scan scan = {w->unit, 0};
    clang_visitChildren(fn, annotation_visitor, &scan);
    unsigned annotations = scan.flags;
    CXString spelling = clang_getTypeSpelling(clang_getCursorType(fn));
    if (clang_getCString(spelling) && strstr(clang_getCString(spelling), "__attribute__((noreturn))"))
        annotations |= AL_ANNOT_NORETURN;
    clang_disposeString(spelling);
    bool defined = clang_isCursorDefinition(fn);
    if (!defined && !annotations)
        return;
    al_fact_function f = {0};
    f.key = function_key(w, fn);
    f.name = intern_cxstring(w, clang_getCursorSpelling(fn));
    f.loc = cursor_location(w, fn);
    f.defined = defined;
    f.annotations = annotations;
    f.type = function_type_id(w, clang_getCursorType(fn));
    AL_VEC_PUSH(w->tu->functions, f);
    if (defined) {
        w->current_function = f.key;
        size_t first_guard = w->tu->guards.count;
        al_strtab_free(&w->locals);
        al_strtab_init(&w->locals);
        w->local_states.count = 0;
        w->field_constants.count = 0;
        walk_subtree(w, fn);
        fix_local_guards(w, first_guard);
        w->current_function = 0;
    }
}

/* Library code is described by rule packs, not analyzed: system headers, and the headers of
 * installed libraries, which pkg-config hands over with -I (glib's static inline functions would
 * otherwise be a few hundred "project" functions in every unit that includes <glib.h>). */
static bool in_library_header(walker *w, CXSourceLocation where)
{
    if (clang_Location_isInSystemHeader(where))
        return true;
    const char *path = al_str(&w->tu->strings, location_of(w, where).file);
    static const char *const prefixes[] = {"/usr/include/", "/usr/lib/", "/usr/local/include/"};
    for (size_t i = 0; i < sizeof(prefixes) / sizeof(*prefixes); i++)
        if (strncmp(path, prefixes[i], strlen(prefixes[i])) == 0)
            return true;
    return false;
}

static enum CXChildVisitResult top_level_visitor(CXCursor c, CXCursor parent, CXClientData data)
{
    (void)parent;
    walker *w = data;
    if (in_library_header(w, clang_getCursorLocation(c)))
        return CXChildVisit_Continue;
    switch (clang_getCursorKind(c)) {
    case CXCursor_FunctionDecl:
        record_function(w, c);
        break;
    case CXCursor_VarDecl: /* file-scope initializers: handler tables, ops structs */
        w->current_function = 0;
        /* `int counter;` is a tentative definition: a definition unless one with a value follows */
        if (clang_isCursorDefinition(c) || clang_Cursor_hasVarDeclExternalStorage(c) == 0)
            record_variable(w, c);
        if (clang_Cursor_isNull(clang_Cursor_getVarDeclInitializer(c)))
            break; /* `extern T x;` of a header: nothing to walk, and its key would be a string unused */
        w->holder = link_key(w, c);
        walk_subtree(w, c);
        w->holder = 0;
        break;
    case CXCursor_LinkageSpec:
    case CXCursor_UnexposedDecl:
        return CXChildVisit_Recurse;
    default:
        break;
    }
    return CXChildVisit_Continue;
}

static void record_diagnostics(walker *w)
{
    unsigned n = clang_getNumDiagnostics(w->unit);
    for (unsigned i = 0; i < n; i++) {
        CXDiagnostic d = clang_getDiagnostic(w->unit, i);
        enum CXDiagnosticSeverity severity = clang_getDiagnosticSeverity(d);
        if (severity >= CXDiagnostic_Error) {
            al_fact_diag diag = {0};
            diag.loc = location_of(w, clang_getDiagnosticLocation(d));
            diag.fatal = true;
            diag.message = intern_cxstring(w, clang_getDiagnosticSpelling(d));
            AL_VEC_PUSH(w->tu->diags, diag);
            if (w->tu->error_count++ == 0) {
                const char *file = al_str(&w->tu->strings, diag.loc.file);
                w->tu->failure =
                    al_one_line(al_xasprintf("%s:%u:%u: error: %s", *file ? file : w->tu->file, diag.loc.line,
                                             diag.loc.column, al_str(&w->tu->strings, diag.message)));
            }
        }
        clang_disposeDiagnostic(d);
    }
}

static void inclusion_visitor(CXFile included, CXSourceLocation *stack, unsigned depth, CXClientData data)
{
    (void)stack;
    (void)depth;
    walker *w = data;
    AL_VEC_PUSH(w->tu->includes, file_path_id(w, included));
}

static int compare_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Every file the unit read, the main file included, each once: what its facts depend on. */
static void record_inclusions(walker *w)
{
    clang_getInclusions(w->unit, inclusion_visitor, w);
    al_u32_vec *inc = &w->tu->includes;
    if (inc->count)
        qsort(inc->items, inc->count, sizeof(uint32_t), compare_u32);
    size_t kept = 0;
    for (size_t i = 0; i < inc->count; i++)
        if (inc->items[i] && (kept == 0 || inc->items[kept - 1] != inc->items[i]))
            inc->items[kept++] = inc->items[i];
    inc->count = kept;
}

void al_extract_unit(al_extractor *ex, const al_compile_command *cmd, al_tu_facts *out)
{
    al_tu_facts_init(out, cmd->file);
    /* fopen() opens a folder for reading; libclang would then fail without saying why */
    struct stat st;
    FILE *probe = NULL;
    if (stat(cmd->file, &st) == 0 && S_ISDIR(st.st_mode))
        errno = EISDIR;
    else
        probe = fopen(cmd->file, "rb");
    if (!probe) {
        out->failure = al_one_line(al_xasprintf("%s: error: cannot read source file: %s", cmd->file, strerror(errno)));
        return;
    }
    fclose(probe);

    /* -w: warnings cost time and say nothing about blocking; errors are still reported. */
    int argc = cmd->arg_count + 1;
    const char **argv = al_xcalloc((size_t)argc, sizeof(char *));
    for (int i = 0; i < cmd->arg_count; i++)
        argv[i] = cmd->args[i];
    argv[cmd->arg_count] = "-w";

    CXTranslationUnit unit = NULL;
    unsigned options = CXTranslationUnit_KeepGoing | CXTranslationUnit_IgnoreNonErrorsFromIncludedFiles;
    enum CXErrorCode rc = clang_parseTranslationUnit2(ex->index, cmd->file, argv, argc, NULL, 0, options, &unit);
    free(argv);
    if (rc != CXError_Success || !unit) {
        out->failure =
            al_one_line(al_xasprintf("%s: error: libclang could not parse this file (error %d)", cmd->file, (int)rc));
        return;
    }
    walker w = {0};
    w.tu = out;
    w.unit = unit;
    al_strtab_init(&w.var_uses);
    al_strtab_init(&w.locals);
    out->parsed = true;
    record_diagnostics(&w);
    record_inclusions(&w);
    clang_visitChildren(clang_getTranslationUnitCursor(unit), top_level_visitor, &w);
    AL_VEC_FREE(w.stack);
    AL_VEC_FREE(w.pool);
    AL_VEC_FREE(w.sticky);
    free(w.files);
    al_strtab_free(&w.var_uses);
    al_strtab_free(&w.locals);
    AL_VEC_FREE(w.local_states);
    AL_VEC_FREE(w.field_constants);
    AL_VEC_FREE(w.block_labels);
    clang_disposeTranslationUnit(unit);
}

/* Each worker's stack: address space reserved, touched only as deep as the code goes. */
#define AL_EXTRACT_STACK_MB 512

/* ---- parallel extraction: N workers, each with its own index, taking the next unit ---- */

/* Set from a signal handler: workers finish the unit they are parsing and take no other. */
static volatile sig_atomic_t stop_requested;

void al_extract_request_stop(void)
{
    stop_requested = 1;
}

bool al_extract_stopped(void)
{
    return stop_requested != 0;
}

typedef struct job_queue {
    const al_compdb *db;
    const size_t *selected; /* indexes into db->commands; NULL: all of them */
    size_t count;
    al_tu_facts *results;
    size_t next, done;
    pthread_mutex_t lock;
    al_extract_progress_fn progress;
    void *progress_data;
} job_queue;

static void *extract_worker(void *data)
{
    job_queue *q = data;
    al_extractor *ex = al_extractor_new();
    for (;;) {
        pthread_mutex_lock(&q->lock);
        size_t k = q->next < q->count && !stop_requested ? q->next++ : SIZE_MAX;
        pthread_mutex_unlock(&q->lock);
        if (k == SIZE_MAX)
            break;
        size_t i = q->selected ? q->selected[k] : k;
        al_extract_unit(ex, &q->db->commands[i], &q->results[i]);
        pthread_mutex_lock(&q->lock);
        q->done++;
        if (q->progress)
            q->progress(q->progress_data, q->done, q->count, i, &q->results[i]);
        pthread_mutex_unlock(&q->lock);
    }
    al_extractor_free(ex);
    return NULL;
}

void al_extract_all(const al_compdb *db, const size_t *selected, size_t count, int jobs, al_tu_facts *results,
                    al_extract_progress_fn progress, void *progress_data)
{
    job_queue q = {db,       selected,     selected ? count : db->count, results, 0, 0, PTHREAD_MUTEX_INITIALIZER,
                   progress, progress_data};
    if (jobs < 1)
        jobs = 1;
    if ((size_t)jobs > q.count)
        jobs = q.count > 0 ? (int)q.count : 1;
    /* libclang parses nested statements recursively and by default does so on a thread of its
     * own with an 8 MB stack, where a 15,000-branch else-if chain (generated code has them)
     * overflows and kills the whole process. LIBCLANG_NOTHREADS makes it parse on the calling
     * thread: our workers, each given a large stack. Even one job runs on a worker. */
    setenv("LIBCLANG_NOTHREADS", "1", 0);
    pthread_t *threads = al_xcalloc((size_t)jobs, sizeof(*threads));
    int started = 0;
    for (int i = 0; i < jobs; i++) {
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setstacksize(&attr, (size_t)AL_EXTRACT_STACK_MB << 20);
        if (pthread_create(&threads[started], &attr, extract_worker, &q) == 0)
            started++;
        pthread_attr_destroy(&attr);
    }
    if (started == 0)
        extract_worker(&q);
    for (int i = 0; i < started; i++)
        pthread_join(threads[i], NULL);
    free(threads);
    pthread_mutex_destroy(&q.lock);
}
