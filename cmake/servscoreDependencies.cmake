# The two build dependencies of the library, found from the system first and otherwise from
# their packages on PyPI in the Python environment that builds (pip's build environment or a
# venv), and otherwise a configure error that says exactly what to install.
#   Eigen 3.4 (headers, a public dependency): apt libeigen3-dev, or PyPI cmeel-eigen
#   Boost.JSON >= 1.81 (header-only, private to src/): apt libboost-json1.81-dev, or PyPI boost-headers
# Sets the targets Eigen3::Eigen and Boost::headers.

# Where a Python package installs files: the purelib directory of the interpreter that builds
# (scikit-build-core passes Python_EXECUTABLE; otherwise the python3 on PATH).
function(_servscore_python_purelib out)
  set(_py "${Python_EXECUTABLE}")
  if(NOT _py)
    find_program(_py NAMES python3 python)
  endif()
  set(_dir "")
  if(_py)
    execute_process(COMMAND "${_py}" -c "import sysconfig; print(sysconfig.get_paths()['purelib'])"
                    OUTPUT_VARIABLE _dir OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  endif()
  set(${out} "${_dir}" PARENT_SCOPE)
endfunction()

set(_servscore_install_hint_eigen
  "servscore needs Eigen 3.4 (header-only linear algebra) and could not find it.\n"
  "Install one of:\n"
  "  Debian/Ubuntu:  sudo apt-get install libeigen3-dev\n"
  "  Fedora:         sudo dnf install eigen3-devel\n"
  "  macOS:          brew install eigen\n"
  "  conda:          conda install -c conda-forge eigen\n"
  "  pip:            pip install cmeel-eigen   (found in the building Python environment, e.g. with\n"
  "                  pip install --no-build-isolation . -- pip install . gets it by itself)\n"
  "or point CMake at an Eigen install: -DEigen3_DIR=<prefix>/share/eigen3/cmake")
set(_servscore_install_hint_boost
  "servscore needs Boost.JSON >= 1.81 (used header-only) and could not find it.\n"
  "Install one of:\n"
  "  Debian/Ubuntu:  sudo apt-get install libboost-json1.81-dev   (or libboost-json-dev on newer releases)\n"
  "  Fedora:         sudo dnf install boost-devel\n"
  "  macOS:          brew install boost\n"
  "  conda:          conda install -c conda-forge libboost-headers\n"
  "  pip:            pip install boost-headers   (found in the building Python environment, e.g. with\n"
  "                  pip install --no-build-isolation . -- pip install . gets it by itself)\n"
  "or point CMake at a Boost install: -DBoost_DIR=<prefix>/lib/cmake/Boost-<version>")

_servscore_python_purelib(_servscore_purelib)

# ---- Eigen ----
find_package(Eigen3 3.4 QUIET NO_MODULE)
if(NOT Eigen3_FOUND AND _servscore_purelib AND EXISTS "${_servscore_purelib}/cmeel.prefix/share/eigen3/cmake")
  find_package(Eigen3 3.4 QUIET NO_MODULE PATHS "${_servscore_purelib}/cmeel.prefix" NO_DEFAULT_PATH)
endif()
if(NOT Eigen3_FOUND OR NOT TARGET Eigen3::Eigen)
  string(CONCAT _msg ${_servscore_install_hint_eigen})
  message(FATAL_ERROR "${_msg}")
endif()
message(STATUS "servscore: Eigen ${Eigen3_VERSION} from ${Eigen3_DIR}")

# ---- Boost.JSON (headers only) ----
find_package(Boost 1.81 QUIET CONFIG)
set(_servscore_boost_include "")
if(Boost_FOUND AND TARGET Boost::headers)
  get_target_property(_servscore_boost_include Boost::headers INTERFACE_INCLUDE_DIRECTORIES)
  set(_servscore_boost_from "${Boost_DIR}")
elseif(_servscore_purelib AND EXISTS "${_servscore_purelib}/boost_headers/include/boost/version.hpp")
  set(_servscore_boost_include "${_servscore_purelib}/boost_headers/include")
  set(_servscore_boost_from "the PyPI package boost-headers (${_servscore_boost_include})")
endif()
# The version and the JSON headers are checked here: a Boost without Boost.JSON (or older than
# 1.81, before boost/json/src.hpp was header-only ready) fails with the install hint, not a
# missing-header error in the middle of the build.
set(_servscore_boost_ok FALSE)
foreach(_dir IN LISTS _servscore_boost_include)
  if(EXISTS "${_dir}/boost/json/src.hpp" AND EXISTS "${_dir}/boost/version.hpp")
    file(STRINGS "${_dir}/boost/version.hpp" _v REGEX "^#define BOOST_VERSION [0-9]+")
    string(REGEX REPLACE "^#define BOOST_VERSION ([0-9]+).*" "\\1" _v "${_v}")
    if(_v GREATER_EQUAL 108100)
      set(_servscore_boost_ok TRUE)
      math(EXPR _major "${_v} / 100000")
      math(EXPR _minor "${_v} / 100 % 1000")
      set(_servscore_boost_version "${_major}.${_minor}")
    endif()
  endif()
endforeach()
if(NOT _servscore_boost_ok)
  string(CONCAT _msg ${_servscore_install_hint_boost})
  message(FATAL_ERROR "${_msg}")
endif()
if(NOT TARGET Boost::headers)
  add_library(Boost::headers INTERFACE IMPORTED)
  set_target_properties(Boost::headers PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${_servscore_boost_include}")
endif()
message(STATUS "servscore: Boost.JSON ${_servscore_boost_version} from ${_servscore_boost_from}")
