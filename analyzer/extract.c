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

#include <clang-c/Index.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct al_extractor {
    CXIndex index;
};

al_extractor *al_extractor_new(void)
{
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

char *al_extract_clang_version(void)
{
    CXString v = clang_getClangVersion();
    char *s = al_xstrdup(clang_getCString(v));
    clang_disposeString(v);
    return s;
}

const char *al_extract_cindex_version(void)
{
    return CINDEX_VERSION_STRING;
}

/* ---- per-unit walking state ---- */

typedef struct ancestor {
    CXCursor cursor;
    enum CXCursorKind kind;
    unsigned index;       /* position among its parent's children */
    unsigned child_count; /* children visited so far */
    CXCursor first_child;
} ancestor;

typedef struct file_slot {
    CXFile file;
    uint32_t id;
} file_slot;

typedef struct walker {
    al_tu_facts *tu;
    CXTranslationUnit unit;
    uint32_t current_function; /* key of the function being walked, 0 at file scope */
    AL_VEC(ancestor) stack;
    file_slot *files; /* CXFile -> interned absolute path; open addressing */
    size_t file_slots;
    size_t file_count;
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

static al_fact_arg evaluate_argument(walker *w, CXCursor arg)
{
    al_fact_arg value = {AL_ARG_UNKNOWN, 0, 0};
    CXType type = clang_getCanonicalType(clang_getCursorType(arg));
    CXEvalResult r = clang_Cursor_Evaluate(arg);
    if (r) {
        if (clang_EvalResult_getKind(r) == CXEval_Int) {
            value.kind = AL_ARG_INT;
            value.value = clang_EvalResult_getAsLongLong(r);
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
            if (clang_getCursorKind(var) == CXCursor_VarDecl) {
                value.kind = AL_ARG_VARIABLE;
                value.name = intern_cxstring(w, clang_getCursorSpelling(var));
            }
        }
    }
    return value;
}

/* The variable the call on top of the ancestor stack is stored into: `int fd = open(...)` or
 * `fd = open(...)`; 0 when its result goes anywhere else. (An assignment's left side is a bare
 * reference; in a comparison it is wrapped in an lvalue-to-rvalue conversion.) */
static uint32_t assigned_variable(walker *w)
{
    size_t j = w->stack.count - 1;
    size_t child = j;
    while (j > 0) {
        j--;
        enum CXCursorKind k = w->stack.items[j].kind;
        if (k != CXCursor_UnexposedExpr && k != CXCursor_ParenExpr && k != CXCursor_CStyleCastExpr)
            break;
        child = j;
    }
    const ancestor *user = &w->stack.items[j];
    if (user->kind == CXCursor_VarDecl && child != j)
        return intern_cxstring(w, clang_getCursorSpelling(user->cursor));
    if (user->kind == CXCursor_BinaryOperator && w->stack.items[child].index == 1 &&
        clang_getCursorKind(user->first_child) == CXCursor_DeclRefExpr) {
        CXCursor var = clang_getCursorReferenced(user->first_child);
        if (clang_getCursorKind(var) == CXCursor_VarDecl)
            return intern_cxstring(w, clang_getCursorSpelling(var));
    }
    return 0;
}

static int callback_parameter_index(walker *w, CXCursor parm);

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
    }
    int n = clang_Cursor_getNumArguments(call);
    fc.first_arg = (uint32_t)w->tu->args.count;
    fc.arg_count = n > 0 ? (uint32_t)n : 0;
    for (int i = 0; i < n; i++)
        AL_VEC_PUSH(w->tu->args, evaluate_argument(w, clang_Cursor_getArgument(call, (unsigned)i)));
    fc.assigned_to = assigned_variable(w);
    AL_VEC_PUSH(w->tu->calls, fc);
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
 * it) copied into a variable: `cb_t *t = handlers;`, `t = &handlers;`, `cb_t f = handlers[i];`. */
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
    a.source_key = link_key(w, source);
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
    CXCursor fn = w->stack.items[0].cursor;
    int n = clang_Cursor_getNumArguments(fn);
    for (int i = 0; i < n; i++)
        if (clang_equalCursors(clang_Cursor_getArgument(fn, (unsigned)i), parm))
            return i;
    return -1;
}

static enum CXChildVisitResult body_visitor(CXCursor c, CXCursor parent, CXClientData data)
{
    walker *w = data;
    /* keep the stack equal to the ancestors of c */
    while (w->stack.count > 0 && !clang_equalCursors(w->stack.items[w->stack.count - 1].cursor, parent))
        w->stack.count--;
    ancestor entry = {c, clang_getCursorKind(c), 0, 0, clang_getNullCursor()};
    if (w->stack.count > 0) {
        ancestor *p = &w->stack.items[w->stack.count - 1];
        entry.index = p->child_count++;
        if (entry.index == 0)
            p->first_child = c;
    }
    AL_VEC_PUSH(w->stack, entry);

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
        } else if (kind == CXCursor_VarDecl && holds_functions(clang_getCursorType(ref))) {
            record_alias(w, ref);
        }
        break;
    }
    default:
        break;
    }
    return CXChildVisit_Recurse;
}

static void walk_subtree(walker *w, CXCursor root)
{
    w->stack.count = 0;
    ancestor entry = {root, clang_getCursorKind(root), 0, 0, clang_getNullCursor()};
    AL_VEC_PUSH(w->stack, entry);
    clang_visitChildren(root, body_visitor, w);
}

static enum CXChildVisitResult annotation_visitor(CXCursor c, CXCursor parent, CXClientData data)
{
    (void)parent;
    if (clang_getCursorKind(c) == CXCursor_AnnotateAttr) {
        CXString s = clang_getCursorSpelling(c);
        const char *text = clang_getCString(s);
        unsigned *flags = data;
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
    unsigned annotations = 0;
    clang_visitChildren(fn, annotation_visitor, &annotations);
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
        walk_subtree(w, fn);
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
        walk_subtree(w, c);
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
    out->parsed = true;
    record_diagnostics(&w);
    record_inclusions(&w);
    clang_visitChildren(clang_getTranslationUnitCursor(unit), top_level_visitor, &w);
    AL_VEC_FREE(w.stack);
    free(w.files);
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
