# graft_cuda.node: the native side of the graft-cuda tfjs backend (src/cuda/).
#
# Included from CMakeLists.txt. A SEPARATE addon from graft.node: it links cudart
# (statically), cuDNN 9 and cuBLAS/cuBLASLt, and a .node that names those as hard
# dependencies cannot even be loaded where they are missing. graft.node never links
# any of them (test/cuda.test.ts checks its `ldd`), and ts/graft_cuda.ts probes
# graft_cuda.node in a child process before loading it.
#
# GRAFT_WITH_CUDA: AUTO (default) builds it when nvcc, cuDNN and cuBLAS are all found,
# ON fails the configure when one is missing, OFF never builds it.
# cuDNN and cuBLAS are found, in this order, under CUDNN_ROOT / CUBLAS_ROOT (CMake or
# environment variables), then in the pip wheels (nvidia-cudnn-cu13, nvidia-cublas)
# of `python3` (site-packages/nvidia/{cudnn,cu13,cublas}), then in system paths.
# The addon gets NO RUNPATH: a path from the build machine (pip's site-packages) is
# wrong on every other machine. ts/cuda/libraries.ts finds cuDNN/cuBLAS at load time
# (GRAFT_CUDA_LIB_PATH, LD_LIBRARY_PATH, python3's nvidia-* wheels, /usr/local/cuda)
# and preloads them, so the NEEDED entries resolve by SONAME.
#
# Sets for CMakeLists.txt: GRAFT_HAVE_CUDA (always OFF: graft.node itself never has
# CUDA), GRAFT_CUDA_REASON (graft.node's capabilities().cudaReason), GRAFT_CUDA_ADDON
# (whether graft_cuda.node is built) and GRAFT_CUDA_ADDON_JSON (the "cudaAddon" object
# of graft-build.json).

set(GRAFT_WITH_CUDA AUTO CACHE STRING "Build graft_cuda.node: AUTO (when nvcc, cuDNN and cuBLAS are found), ON or OFF")
set_property(CACHE GRAFT_WITH_CUDA PROPERTY STRINGS AUTO ON OFF)
# sm_90 (H100/H200) alone by default: every extra architecture is another full device
# compile of every .cu file. "90" embeds sm_90 SASS and compute_90 PTX (newer GPUs JIT it).
set(GRAFT_CUDA_ARCHS "90" CACHE STRING "CUDA architectures for graft_cuda.node, e.g. \"80;90\"")
set(CUDNN_ROOT "$ENV{CUDNN_ROOT}" CACHE PATH "Prefix of cuDNN 9 (include/cudnn.h, lib/libcudnn.so.9); empty: pip wheel or system")
set(CUBLAS_ROOT "$ENV{CUBLAS_ROOT}" CACHE PATH "Prefix of cuBLAS (include/cublas_v2.h, lib/libcublas.so); empty: pip wheel or system")

string(TOUPPER "${GRAFT_WITH_CUDA}" _graft_cuda_mode)
if(_graft_cuda_mode MATCHES "^(1|ON|TRUE|YES)$")
  set(_graft_cuda_mode ON)
elseif(_graft_cuda_mode MATCHES "^(0|OFF|FALSE|NO)$")
  set(_graft_cuda_mode OFF)
elseif(NOT _graft_cuda_mode STREQUAL "AUTO")
  message(FATAL_ERROR "graft: GRAFT_WITH_CUDA=${GRAFT_WITH_CUDA}: expected AUTO, ON or OFF")
endif()

set(GRAFT_HAVE_CUDA OFF)
set(GRAFT_CUDA_ADDON OFF)
set(GRAFT_CUDA_VERSION "")
set(GRAFT_CUDNN_VERSION "")
set(GRAFT_CUBLAS_VERSION "")
set(_graft_cuda_missing "")
set(_graft_pip_hint "pip install nvidia-cudnn-cu13 nvidia-cublas")

if(_graft_cuda_mode STREQUAL "OFF")
  set(_graft_cuda_why "disabled: GRAFT_WITH_CUDA=OFF")
else()
  # --- nvcc ---
  include(CheckLanguage)
  if(NOT CMAKE_CUDA_ARCHITECTURES)
    set(CMAKE_CUDA_ARCHITECTURES "${GRAFT_CUDA_ARCHS}")
  endif()
  check_language(CUDA)
  if(NOT CMAKE_CUDA_COMPILER)
    list(APPEND _graft_cuda_missing "nvcc (install the CUDA toolkit >= 12, or put nvcc on PATH / set CUDACXX)")
  endif()

  # --- where pip put the NVIDIA wheels: site-packages/nvidia/{cudnn,cu13,cublas} ---
  find_program(GRAFT_PYTHON NAMES python3 python)
  mark_as_advanced(GRAFT_PYTHON)
  set(_graft_nvidia_dirs "")
  if(GRAFT_PYTHON)
    execute_process(
      COMMAND "${GRAFT_PYTHON}" -c "import nvidia, os; print(';'.join(os.path.realpath(p) for p in nvidia.__path__))"
      OUTPUT_VARIABLE _graft_nvidia_dirs OUTPUT_STRIP_TRAILING_WHITESPACE
      RESULT_VARIABLE _rc ERROR_QUIET)
    if(NOT _rc EQUAL 0)
      set(_graft_nvidia_dirs "")
    endif()
  endif()
  set(_graft_cudnn_hints "")
  set(_graft_cublas_hints "")
  foreach(_d IN LISTS _graft_nvidia_dirs)
    list(APPEND _graft_cudnn_hints "${_d}/cudnn")
    list(APPEND _graft_cublas_hints "${_d}/cu13" "${_d}/cublas")
  endforeach()

  # Forget a search made under other roots (e.g. after setting CUDNN_ROOT), or whose
  # files are gone (e.g. after `pip uninstall`).
  set(_graft_search "${CUDNN_ROOT}|${CUBLAS_ROOT}|${_graft_nvidia_dirs}")
  if(NOT "${_graft_search}" STREQUAL "${_GRAFT_CUDA_SEARCHED}"
     OR (GRAFT_CUDNN_INCLUDE_DIR AND NOT EXISTS "${GRAFT_CUDNN_INCLUDE_DIR}/cudnn_version.h")
     OR (GRAFT_CUDNN_LIBRARY AND NOT EXISTS "${GRAFT_CUDNN_LIBRARY}")
     OR (GRAFT_CUBLAS_INCLUDE_DIR AND NOT EXISTS "${GRAFT_CUBLAS_INCLUDE_DIR}/cublasLt.h")
     OR (GRAFT_CUBLAS_LIBRARY AND NOT EXISTS "${GRAFT_CUBLAS_LIBRARY}")
     OR (GRAFT_CUBLASLT_LIBRARY AND NOT EXISTS "${GRAFT_CUBLASLT_LIBRARY}"))
    foreach(_v GRAFT_CUDNN_INCLUDE_DIR GRAFT_CUDNN_LIBRARY GRAFT_CUBLAS_INCLUDE_DIR
               GRAFT_CUBLAS_LIBRARY GRAFT_CUBLASLT_LIBRARY)
      unset(${_v} CACHE)
    endforeach()
  endif()
  set(_GRAFT_CUDA_SEARCHED "${_graft_search}" CACHE INTERNAL "")

  # A root given explicitly is the only place looked at; otherwise wheels, then system.
  macro(_graft_where root hints)
    if(${root})
      set(_where PATHS "${${root}}" NO_DEFAULT_PATH)
    else()
      set(_where HINTS ${${hints}})
    endif()
  endmacro()
  _graft_where(CUDNN_ROOT _graft_cudnn_hints)
  find_path(GRAFT_CUDNN_INCLUDE_DIR NAMES cudnn_version.h PATH_SUFFIXES include ${_where})
  # The wheels ship only the versioned name (libcudnn.so.9, libcublas.so.13). NAMES_PER_DIR:
  # each folder in search order is tried for every name, so a wheel's libcudnn.so.9 wins over
  # a system libcudnn.so (without it CMake tries the first name in every folder first: on
  # the GPU machine it linked /usr/lib/x86_64-linux-gnu/libcudnn.so over PyTorch's wheel).
  find_library(GRAFT_CUDNN_LIBRARY NAMES cudnn libcudnn.so.9 NAMES_PER_DIR PATH_SUFFIXES lib lib64 ${_where})
  _graft_where(CUBLAS_ROOT _graft_cublas_hints)
  find_path(GRAFT_CUBLAS_INCLUDE_DIR NAMES cublasLt.h PATH_SUFFIXES include ${_where})
  find_library(GRAFT_CUBLAS_LIBRARY NAMES cublas libcublas.so.13 libcublas.so.12 NAMES_PER_DIR PATH_SUFFIXES lib lib64 ${_where})
  find_library(GRAFT_CUBLASLT_LIBRARY NAMES cublasLt libcublasLt.so.13 libcublasLt.so.12 NAMES_PER_DIR PATH_SUFFIXES lib lib64 ${_where})
  mark_as_advanced(GRAFT_CUDNN_INCLUDE_DIR GRAFT_CUDNN_LIBRARY GRAFT_CUBLAS_INCLUDE_DIR
                   GRAFT_CUBLAS_LIBRARY GRAFT_CUBLASLT_LIBRARY)

  if(GRAFT_CUDNN_INCLUDE_DIR AND GRAFT_CUDNN_LIBRARY)
    file(STRINGS "${GRAFT_CUDNN_INCLUDE_DIR}/cudnn_version.h" _lines REGEX "#define CUDNN_(MAJOR|MINOR|PATCHLEVEL) +[0-9]+")
    foreach(_part MAJOR MINOR PATCHLEVEL)
      string(REGEX MATCH "CUDNN_${_part} +([0-9]+)" _m "${_lines}")
      set(_cudnn_${_part} "${CMAKE_MATCH_1}")
    endforeach()
    set(GRAFT_CUDNN_VERSION "${_cudnn_MAJOR}.${_cudnn_MINOR}.${_cudnn_PATCHLEVEL}")
    if(NOT _cudnn_MAJOR EQUAL 9)
      list(APPEND _graft_cuda_missing "cuDNN 9 (found ${GRAFT_CUDNN_VERSION} in ${GRAFT_CUDNN_INCLUDE_DIR}: ${_graft_pip_hint})")
    endif()
  else()
    list(APPEND _graft_cuda_missing "cuDNN 9 (${_graft_pip_hint}, or set CUDNN_ROOT)")
  endif()
  if(GRAFT_CUBLAS_INCLUDE_DIR AND GRAFT_CUBLAS_LIBRARY AND GRAFT_CUBLASLT_LIBRARY)
    file(STRINGS "${GRAFT_CUBLAS_INCLUDE_DIR}/cublas_api.h" _lines REGEX "#define CUBLAS_VER_(MAJOR|MINOR|PATCH) +[0-9]+")
    foreach(_part MAJOR MINOR PATCH)
      string(REGEX MATCH "CUBLAS_VER_${_part} +([0-9]+)" _m "${_lines}")
      set(_cublas_${_part} "${CMAKE_MATCH_1}")
    endforeach()
    set(GRAFT_CUBLAS_VERSION "${_cublas_MAJOR}.${_cublas_MINOR}.${_cublas_PATCH}")
  else()
    list(APPEND _graft_cuda_missing "cuBLAS/cuBLASLt (${_graft_pip_hint}, or set CUBLAS_ROOT)")
  endif()

  if(_graft_cuda_missing STREQUAL "")
    enable_language(CUDA)
    find_package(CUDAToolkit REQUIRED)
    set(GRAFT_CUDA_VERSION "${CUDAToolkit_VERSION}")
    # The cuDNN wheel for CUDA 13 is nvidia-cudnn-cu13; a cu12 cuDNN on CUDA 13 links but fails at run time.
    if(GRAFT_CUBLAS_VERSION AND NOT _cublas_MAJOR EQUAL CUDAToolkit_VERSION_MAJOR)
      list(APPEND _graft_cuda_missing
        "cuBLAS ${CUDAToolkit_VERSION_MAJOR}.x to match CUDA ${GRAFT_CUDA_VERSION} (found ${GRAFT_CUBLAS_VERSION} in ${GRAFT_CUBLAS_INCLUDE_DIR})")
    endif()
  endif()

  if(_graft_cuda_missing STREQUAL "")
    set(GRAFT_CUDA_ADDON ON)
  else()
    list(JOIN _graft_cuda_missing "; " _graft_cuda_why)
    set(_graft_cuda_why "not found: ${_graft_cuda_why}")
    if(_graft_cuda_mode STREQUAL "ON")
      message(FATAL_ERROR "graft: GRAFT_WITH_CUDA=ON but ${_graft_cuda_why}")
    endif()
  endif()
endif()

set(GRAFT_CUDA_ADDON_PATH "")
if(GRAFT_CUDA_ADDON)
  # Host code (.cc: N-API bindings, cuDNN/cuBLAS calls) goes through g++; only device
  # kernels (.cu) go through nvcc, which is several times slower per file.
  set(GRAFT_CUDA_SOURCES
    src/errors.cc
    src/cuda/addon.cc
    src/cuda/context.cc
    src/cuda/probe.cc
    src/cuda/storage.cc
    src/cuda/kernels/Conv2D.cc
    src/cuda/kernels/Elementwise.cc
    src/cuda/kernels/Gather.cc
    src/cuda/kernels/MatMul.cc
    src/cuda/kernels/Pool.cc
    src/cuda/kernels/Reduce.cc
    src/cuda/kernels/Softmax.cc
    src/cuda/kernels/Elementwise.cu
    src/cuda/kernels/Reduce.cu
    src/cuda/kernels/Gather.cu)
  add_library(graft_cuda SHARED ${GRAFT_CUDA_SOURCES} ${CMAKE_JS_SRC})
  set_target_properties(graft_cuda PROPERTIES
    PREFIX "" SUFFIX ".node"
    CUDA_ARCHITECTURES "${GRAFT_CUDA_ARCHS}"
    CUDA_RUNTIME_LIBRARY Static
    CUDA_STANDARD 17 CUDA_STANDARD_REQUIRED ON
    SKIP_BUILD_RPATH ON
    INSTALL_RPATH "")
  target_include_directories(graft_cuda PRIVATE src "${CMAKE_CURRENT_BINARY_DIR}/generated")
  target_include_directories(graft_cuda SYSTEM PRIVATE
    ${GRAFT_NODE_INCLUDE_DIRS} "${GRAFT_CUDNN_INCLUDE_DIR}" "${GRAFT_CUBLAS_INCLUDE_DIR}")
  target_compile_definitions(graft_cuda PRIVATE
    NAPI_VERSION=${GRAFT_NAPI_VERSION}
    NODE_ADDON_API_CPP_EXCEPTIONS
    NODE_ADDON_API_DISABLE_DEPRECATED
    GRAFT_VERSION_STRING="${GRAFT_VERSION}"
    GRAFT_CUDA_ARCHS_STRING="${GRAFT_CUDA_ARCHS}")
  target_compile_options(graft_cuda PRIVATE
    $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra>
    $<$<COMPILE_LANGUAGE:CUDA>:--expt-relaxed-constexpr -Xcompiler=-fvisibility=hidden>)
  # One precompiled header for the host files: N-API and the cuDNN/cuBLAS headers are
  # most of each .cc file's compile time (measured: clean build of graft_cuda on 2 cores).
  target_precompile_headers(graft_cuda PRIVATE
    "$<$<COMPILE_LANGUAGE:CXX>:<napi.h$<ANGLE-R>>"
    "$<$<COMPILE_LANGUAGE:CXX>:<cudnn.h$<ANGLE-R>>"
    "$<$<COMPILE_LANGUAGE:CXX>:<cublasLt.h$<ANGLE-R>>"
    "$<$<COMPILE_LANGUAGE:CXX>:<cublas_v2.h$<ANGLE-R>>"
    "$<$<COMPILE_LANGUAGE:CXX>:<string$<ANGLE-R>>")
  target_link_libraries(graft_cuda PRIVATE
    CUDA::cudart_static "${GRAFT_CUDNN_LIBRARY}" "${GRAFT_CUBLAS_LIBRARY}" "${GRAFT_CUBLASLT_LIBRARY}")
  if(DEFINED CMAKE_JS_LIB)
    target_link_libraries(graft_cuda PRIVATE ${CMAKE_JS_LIB})
  endif()
  # cmake-js sets CMAKE_LIBRARY_OUTPUT_DIRECTORY (build/Release); plain CMake puts it in the build dir.
  if(CMAKE_LIBRARY_OUTPUT_DIRECTORY)
    set(GRAFT_CUDA_ADDON_PATH "${CMAKE_LIBRARY_OUTPUT_DIRECTORY}/graft_cuda.node")
  else()
    set(GRAFT_CUDA_ADDON_PATH "${CMAKE_CURRENT_BINARY_DIR}/graft_cuda.node")
  endif()

  string(REPLACE ";" ",sm_" _sm "sm_${GRAFT_CUDA_ARCHS}")
  set(GRAFT_CUDA_STATUS
    "CUDA ${GRAFT_CUDA_VERSION} (${CMAKE_CUDA_COMPILER}, ${_sm}), cuDNN ${GRAFT_CUDNN_VERSION} (${GRAFT_CUDNN_LIBRARY}), cuBLAS ${GRAFT_CUBLAS_VERSION} (${GRAFT_CUBLAS_LIBRARY})")
  message(STATUS "graft: ✓ ${GRAFT_CUDA_STATUS} -> graft_cuda.node")
  # graft.node itself stays CPU-only; its capabilities() says where CUDA went.
  set(GRAFT_CUDA_REASON "graft.node is the CPU addon: CUDA is in graft_cuda.node (import \"@graft/native/graft-cuda\")")
else()
  message(STATUS "graft: ✗ CUDA (${_graft_cuda_why})")
  set(GRAFT_CUDA_REASON "${_graft_cuda_why}")
  # A graft_cuda.node left by an earlier configuration would be probed as if current.
  foreach(_dir "${CMAKE_LIBRARY_OUTPUT_DIRECTORY}" "${CMAKE_CURRENT_BINARY_DIR}")
    if(_dir AND EXISTS "${_dir}/graft_cuda.node")
      file(REMOVE "${_dir}/graft_cuda.node")
      message(STATUS "graft: removed the stale ${_dir}/graft_cuda.node")
    endif()
  endforeach()
endif()

# The "cudaAddon" object of graft-build.json (strings here never hold quotes or backslashes
# except in paths, which are escaped).
function(_graft_json_str out value)
  if("${value}" STREQUAL "")
    set(${out} "null" PARENT_SCOPE)
  else()
    string(REPLACE "\\" "\\\\" value "${value}")
    string(REPLACE "\"" "\\\"" value "${value}")
    set(${out} "\"${value}\"" PARENT_SCOPE)
  endif()
endfunction()
if(GRAFT_CUDA_ADDON)
  set(_j_found true)
  set(_reason "")
else()
  set(_j_found false)
  set(_reason "${_graft_cuda_why}")
endif()
_graft_json_str(_j_mode "${_graft_cuda_mode}")
_graft_json_str(_j_reason "${_reason}")
_graft_json_str(_j_path "${GRAFT_CUDA_ADDON_PATH}")
_graft_json_str(_j_cuda "${GRAFT_CUDA_VERSION}")
_graft_json_str(_j_cudnn "${GRAFT_CUDNN_VERSION}")
_graft_json_str(_j_cublas "${GRAFT_CUBLAS_VERSION}")
_graft_json_str(_j_cudnn_lib "${GRAFT_CUDNN_LIBRARY}")
_graft_json_str(_j_cublas_lib "${GRAFT_CUBLAS_LIBRARY}")
string(REPLACE ";" "\",\"" _archs "${GRAFT_CUDA_ARCHS}")
set(GRAFT_CUDA_ADDON_JSON "{
    \"requested\": ${_j_mode},
    \"found\": ${_j_found},
    \"reason\": ${_j_reason},
    \"path\": ${_j_path},
    \"cudaVersion\": ${_j_cuda},
    \"cudnnVersion\": ${_j_cudnn},
    \"cublasVersion\": ${_j_cublas},
    \"cudnnLibrary\": ${_j_cudnn_lib},
    \"cublasLibrary\": ${_j_cublas_lib},
    \"archs\": [\"${_archs}\"]
  }")
