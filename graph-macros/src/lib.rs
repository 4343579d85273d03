//! m
extern crate proc_macro;
