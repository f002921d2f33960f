/* libclang: the library, opened when a unit is first parsed rather than when asynclock starts.
 *
 * libclang brings LLVM, z3, ICU and libxml2 with it; the dynamic loader takes about 35 ms to map
 * and relocate them, more than a whole warm run of a 150-unit server spends on everything else.
 * So the binary does not link libclang: extract.c calls it through the function table below,
 * filled by al_libclang_load (dlopen) the first time a unit must be parsed or libclang's version
 * is asked for. A run whose units all come from the facts cache never loads it.
 *
 * Which file: $ASYNCLOCK_LIBCLANG when set (a path, or a name for the loader's search), else the
 * one asynclock was built with (AL_LIBCLANG_PATH, a path by its soname), else that soname searched
 * for as the loader searches libraries (a build moved to another library folder).
 *
 * Only extract.c (through the macros at the end) and this module call libclang. */
#ifndef AL_LIBCLANG_H
#define AL_LIBCLANG_H

#include <clang-c/Index.h>
#include <stdbool.h>

#define AL_LIBCLANG_FUNCTIONS(X)                                                                                       \
    X(clang_Cursor_Evaluate)                                                                                           \
    X(clang_Cursor_getArgument)                                                                                        \
    X(clang_Cursor_getNumArguments)                                                                                    \
    X(clang_Cursor_getVarDeclInitializer)                                                                              \
    X(clang_Cursor_hasVarDeclExternalStorage)                                                                          \
    X(clang_Cursor_hasVarDeclGlobalStorage)                                                                            \
    X(clang_Cursor_isNull)                                                                                             \
    X(clang_EvalResult_dispose)                                                                                        \
    X(clang_EvalResult_getAsLongLong)                                                                                  \
    X(clang_EvalResult_getAsStr)                                                                                       \
    X(clang_EvalResult_getKind)                                                                                        \
    X(clang_File_tryGetRealPathName)                                                                                   \
    X(clang_Location_isInSystemHeader)                                                                                 \
    X(clang_Type_visitFields)                                                                                          \
    X(clang_createIndex)                                                                                               \
    X(clang_disposeDiagnostic)                                                                                         \
    X(clang_disposeIndex)                                                                                              \
    X(clang_disposeString)                                                                                             \
    X(clang_disposeTokens)                                                                                             \
    X(clang_disposeTranslationUnit)                                                                                    \
    X(clang_equalCursors)                                                                                              \
    X(clang_equalTypes)                                                                                                \
    X(clang_getArgType)                                                                                                \
    X(clang_getArrayElementType)                                                                                       \
    X(clang_getCString)                                                                                                \
    X(clang_getCanonicalType)                                                                                          \
    X(clang_getClangVersion)                                                                                           \
    X(clang_getCursorDefinition)                                                                                       \
    X(clang_getCursorExtent)                                                                                           \
    X(clang_getCursorKind)                                                                                             \
    X(clang_getCursorLinkage)                                                                                          \
    X(clang_getCursorLocation)                                                                                         \
    X(clang_getCursorReferenced)                                                                                       \
    X(clang_getCursorSemanticParent)                                                                                   \
    X(clang_getCursorSpelling)                                                                                         \
    X(clang_getCursorType)                                                                                             \
    X(clang_getCursorUSR)                                                                                              \
    X(clang_getDiagnostic)                                                                                             \
    X(clang_getDiagnosticLocation)                                                                                     \
    X(clang_getDiagnosticSeverity)                                                                                     \
    X(clang_getDiagnosticSpelling)                                                                                     \
    X(clang_getExpansionLocation)                                                                                      \
    X(clang_getFileName)                                                                                               \
    X(clang_getInclusions)                                                                                             \
    X(clang_getNullCursor)                                                                                             \
    X(clang_getNumArgTypes)                                                                                            \
    X(clang_getNumDiagnostics)                                                                                         \
    X(clang_getPointeeType)                                                                                            \
    X(clang_getRangeEnd)                                                                                               \
    X(clang_getTokenKind)                                                                                              \
    X(clang_getTokenLocation)                                                                                          \
    X(clang_getTokenSpelling)                                                                                          \
    X(clang_getTranslationUnitCursor)                                                                                  \
    X(clang_getTypeSpelling)                                                                                           \
    X(clang_getTypedefName)                                                                                            \
    X(clang_isCursorDefinition)                                                                                        \
    X(clang_parseTranslationUnit2)                                                                                     \
    X(clang_tokenize)                                                                                                  \
    X(clang_visitChildren)

/* One pointer a function, of the function's own type, under the function's own name. */
typedef struct al_libclang_api {
#define AL_LIBCLANG_POINTER(name) __typeof__(name) *name;
    AL_LIBCLANG_FUNCTIONS(AL_LIBCLANG_POINTER)
#undef AL_LIBCLANG_POINTER
} al_libclang_api;

/* Filled by the first successful al_libclang_load; read-only after it. */
extern al_libclang_api al_libclang;

/* Loads libclang once (thread-safe; later calls return the first outcome). False with *error (one
 * line, to free) when it cannot be opened or lacks a function asynclock calls. */
bool al_libclang_load(char **error);

/* The file al_libclang_load would open, with what tells one copy of it from another (device,
 * inode, size, modification and change times): "PATH DEV INO SIZE MTIME CTIME". NULL when that
 * file is not known without loading it (a name for the loader's search) or does not exist. Costs
 * a stat. The facts cache keeps libclang's version under this, so a warm run need not load it. */
char *al_libclang_file_identity(void);

#ifndef AL_LIBCLANG_DEFINE_TABLE
/* extract.c keeps libclang's own names. */
#define clang_Cursor_Evaluate al_libclang.clang_Cursor_Evaluate
#define clang_Cursor_getArgument al_libclang.clang_Cursor_getArgument
#define clang_Cursor_getNumArguments al_libclang.clang_Cursor_getNumArguments
#define clang_Cursor_getVarDeclInitializer al_libclang.clang_Cursor_getVarDeclInitializer
#define clang_Cursor_hasVarDeclExternalStorage al_libclang.clang_Cursor_hasVarDeclExternalStorage
#define clang_Cursor_hasVarDeclGlobalStorage al_libclang.clang_Cursor_hasVarDeclGlobalStorage
#define clang_Cursor_isNull al_libclang.clang_Cursor_isNull
#define clang_EvalResult_dispose al_libclang.clang_EvalResult_dispose
#define clang_EvalResult_getAsLongLong al_libclang.clang_EvalResult_getAsLongLong
#define clang_EvalResult_getAsStr al_libclang.clang_EvalResult_getAsStr
#define clang_EvalResult_getKind al_libclang.clang_EvalResult_getKind
#define clang_File_tryGetRealPathName al_libclang.clang_File_tryGetRealPathName
#define clang_Location_isInSystemHeader al_libclang.clang_Location_isInSystemHeader
#define clang_Type_visitFields al_libclang.clang_Type_visitFields
#define clang_createIndex al_libclang.clang_createIndex
#define clang_disposeDiagnostic al_libclang.clang_disposeDiagnostic
#define clang_disposeIndex al_libclang.clang_disposeIndex
#define clang_disposeString al_libclang.clang_disposeString
#define clang_disposeTokens al_libclang.clang_disposeTokens
#define clang_disposeTranslationUnit al_libclang.clang_disposeTranslationUnit
#define clang_equalCursors al_libclang.clang_equalCursors
#define clang_equalTypes al_libclang.clang_equalTypes
#define clang_getArgType al_libclang.clang_getArgType
#define clang_getArrayElementType al_libclang.clang_getArrayElementType
#define clang_getCString al_libclang.clang_getCString
#define clang_getCanonicalType al_libclang.clang_getCanonicalType
#define clang_getClangVersion al_libclang.clang_getClangVersion
#define clang_getCursorDefinition al_libclang.clang_getCursorDefinition
#define clang_getCursorExtent al_libclang.clang_getCursorExtent
#define clang_getCursorKind al_libclang.clang_getCursorKind
#define clang_getCursorLinkage al_libclang.clang_getCursorLinkage
#define clang_getCursorLocation al_libclang.clang_getCursorLocation
#define clang_getCursorReferenced al_libclang.clang_getCursorReferenced
#define clang_getCursorSemanticParent al_libclang.clang_getCursorSemanticParent
#define clang_getCursorSpelling al_libclang.clang_getCursorSpelling
#define clang_getCursorType al_libclang.clang_getCursorType
#define clang_getCursorUSR al_libclang.clang_getCursorUSR
#define clang_getDiagnostic al_libclang.clang_getDiagnostic
#define clang_getDiagnosticLocation al_libclang.clang_getDiagnosticLocation
#define clang_getDiagnosticSeverity al_libclang.clang_getDiagnosticSeverity
#define clang_getDiagnosticSpelling al_libclang.clang_getDiagnosticSpelling
#define clang_getExpansionLocation al_libclang.clang_getExpansionLocation
#define clang_getFileName al_libclang.clang_getFileName
#define clang_getInclusions al_libclang.clang_getInclusions
#define clang_getNullCursor al_libclang.clang_getNullCursor
#define clang_getNumArgTypes al_libclang.clang_getNumArgTypes
#define clang_getNumDiagnostics al_libclang.clang_getNumDiagnostics
#define clang_getPointeeType al_libclang.clang_getPointeeType
#define clang_getRangeEnd al_libclang.clang_getRangeEnd
#define clang_getTokenKind al_libclang.clang_getTokenKind
#define clang_getTokenLocation al_libclang.clang_getTokenLocation
#define clang_getTokenSpelling al_libclang.clang_getTokenSpelling
#define clang_getTranslationUnitCursor al_libclang.clang_getTranslationUnitCursor
#define clang_getTypeSpelling al_libclang.clang_getTypeSpelling
#define clang_getTypedefName al_libclang.clang_getTypedefName
#define clang_isCursorDefinition al_libclang.clang_isCursorDefinition
#define clang_parseTranslationUnit2 al_libclang.clang_parseTranslationUnit2
#define clang_tokenize al_libclang.clang_tokenize
#define clang_visitChildren al_libclang.clang_visitChildren
#endif

#endif
