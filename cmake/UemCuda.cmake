# uem_enable_cuda(<mode>): turns on the CUDA language when mode is ON, or when it is AUTO and a CUDA compiler is
# found (nvcc on PATH or under /usr/local/cuda). Sets UEM_HAVE_CUDA.
# A macro, not a function: enable_language() must run in the directory's own scope, or CMake silently generates
# CUDA targets without compile rules.
include(CheckLanguage)

macro(uem_enable_cuda mode)
  set(UEM_HAVE_CUDA OFF)
  if("${mode}" STREQUAL "OFF")
    message(STATUS "uem: CUDA kernels off (UEM_CUDA=OFF)")
  else()
    if(NOT CMAKE_CUDA_COMPILER AND EXISTS /usr/local/cuda/bin/nvcc)
      set(CMAKE_CUDA_COMPILER /usr/local/cuda/bin/nvcc CACHE FILEPATH "CUDA compiler")
    endif()
    check_language(CUDA)
    if(CMAKE_CUDA_COMPILER)
      if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
        # A100 (sm_80) and H100 (sm_90) machine code, plus compute_90 PTX for newer GPUs to JIT from
        set(CMAKE_CUDA_ARCHITECTURES "80-real;90")
      endif()
      enable_language(CUDA)
      find_package(CUDAToolkit REQUIRED)
      message(STATUS "uem: CUDA kernels on (${CMAKE_CUDA_COMPILER_ID} ${CMAKE_CUDA_COMPILER_VERSION}, archs ${CMAKE_CUDA_ARCHITECTURES})")
      set(UEM_HAVE_CUDA ON)
    elseif("${mode}" STREQUAL "ON")
      message(FATAL_ERROR "uem: UEM_CUDA=ON but no CUDA compiler (nvcc) was found")
    else()
      message(STATUS "uem: no CUDA compiler found, building the CPU kernels only")
    endif()
  endif()
endmacro()
